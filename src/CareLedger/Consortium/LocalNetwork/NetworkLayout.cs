using System.Text.Json;

namespace CareLedger.Consortium.LocalNetwork;

/// <summary>
/// A local network's directory, described by DIR/network.json: the network's names, the ports chosen for its NATS
/// servers and members, and where each one keeps its files. <c>network up</c> writes it once and reuses it, so that
/// a network stopped with <c>network down</c> (or a process that died) comes back on the same ports and data.
/// </summary>
/// <param name="Postgres">The network's own PostgreSQL cluster, where the members keep their state and vault; null when
/// they use SQLite files or a server that the network does not run.</param>
internal sealed record NetworkLayout(string Network, string Origin, IReadOnlyList<NatsServerSpec> NatsServers, IReadOnlyList<MemberSpec> Members, LocalPostgres? Postgres = null)
{
    public const string FileName = "network.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string NatsUrls => string.Join(",", NatsServers.Select(s => s.ClientUrl));

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    public static NetworkLayout? Load(string directory)
    {
        var path = PathIn(directory);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<NetworkLayout>(File.ReadAllText(path), Json) ?? throw new CliException($"{path} is empty");
        }
        catch (JsonException e)
        {
            throw new CliException($"{path} is not a network description: {e.Message}");
        }
    }

    public void Save(string directory) => File.WriteAllText(PathIn(directory), JsonSerializer.Serialize(this, Json) + "\n");

    public static string GenesisPath(string directory) => Path.Combine(directory, "genesis.cbor");

    public static string NatsDirectory(string directory) => Path.Combine(directory, "nats");

    public static string MemberDirectory(string directory, MemberSpec member) => Path.Combine(directory, "members", member.Name);
}

/// <summary>One nats-server of the local cluster: its name and its client, cluster (routes) and monitoring ports on 127.0.0.1.</summary>
internal sealed record NatsServerSpec(string Name, int ClientPort, int ClusterPort, int MonitorPort)
{
    public string ClientUrl => $"nats://127.0.0.1:{ClientPort}";
}

/// <summary>One member of the local network: its name, organisation and HTTP port on 127.0.0.1.</summary>
internal sealed record MemberSpec(string Name, string Organisation, int HttpPort)
{
    public string Url => $"http://127.0.0.1:{HttpPort}";
}

/// <summary>Where a local network's members keep their ledger state and vault.</summary>
internal enum NetworkStore
{
    /// <summary>A PostgreSQL cluster that the network makes, starts and stops itself (<see cref="LocalPostgres"/>).</summary>
    OwnPostgres,

    /// <summary>A PostgreSQL server given by its connection string, which the network neither starts nor stops.</summary>
    Postgres,

    /// <summary>SQLite files in each member's data directory.</summary>
    Sqlite,
}
