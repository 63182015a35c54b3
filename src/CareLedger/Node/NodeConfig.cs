using System.Text.Json;
using System.Text.Json.Serialization;

namespace CareLedger.Node;

/// <summary>The node's settings, written once by <c>careledger init</c> into DATA/node.json.</summary>
internal sealed record NodeConfig
{
    /// <summary>The log's origin line in every checkpoint (a schema-less URL, per C2SP tlog-checkpoint).</summary>
    public required string Origin { get; init; }

    /// <summary>The member organisation that runs this node (an institution's name, never a person's).</summary>
    public required string OrganisationName { get; init; }

    public int CheckpointEveryTransactions { get; init; } = 1000;

    public int CheckpointIntervalMilliseconds { get; init; } = 200;

    public DateTimeOffset CreatedAt { get; init; }

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static NodeConfig Load(NodePaths paths)
    {
        if (!paths.IsInitialised)
        {
            throw new CliException($"no CareLedger node in {paths.DataDirectory}: run 'careledger init --data {paths.DataDirectory}' first");
        }

        try
        {
            return JsonSerializer.Deserialize<NodeConfig>(File.ReadAllText(paths.NodeConfig), s_json)
                ?? throw new CliException($"{paths.NodeConfig} is empty");
        }
        catch (JsonException e)
        {
            throw new CliException($"{paths.NodeConfig} is not valid node configuration: {e.Message}");
        }
    }

    public void Save(NodePaths paths) =>
        File.WriteAllText(paths.NodeConfig, JsonSerializer.Serialize(this, s_json) + "\n");
}
