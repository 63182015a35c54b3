using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CareLedger.Access.Gate;
using CareLedger.Consent.Profiles;
using CareLedger.IO;
using CareLedger.Storage;

namespace CareLedger.Node;

/// <summary>The node's settings, written once by <c>careledger init</c> into DATA/node.json.</summary>
internal sealed record NodeConfig
{
    /// <summary>The log's origin line in every checkpoint (a schema-less URL, per C2SP tlog-checkpoint).</summary>
    public required string Origin { get; init; }

    /// <summary>The member organisation that runs this node (an institution's name, never a person's).</summary>
    public required string OrganisationName { get; init; }

    /// <summary>
    /// The consent rules of the node's jurisdiction (docs/consent.md): <c>opt-in</c> (the default: nothing without
    /// consent) or <c>opt-out-for-treatment</c> (the care team treats until the patient opts out, where the law allows).
    /// </summary>
    public string Jurisdiction { get; init; } = OptIn;

    /// <summary>
    /// The custodian as consents name it (<c>Organization/&lt;id&gt;</c>): a consent whose actor is this organisation
    /// covers its clinicians and systems. Null when consents name people only.
    /// </summary>
    public string? OrganizationReference { get; init; }

    /// <summary>
    /// How many consent decisions the door keeps while they provably hold (docs/adr/0012-consent-decision-cache.md);
    /// 0 turns the cache off. Null (absent from node.json): the door's default.
    /// </summary>
    public int? DecisionCacheCapacity { get; init; }

    public int CheckpointEveryTransactions { get; init; } = 1000;

    public int CheckpointIntervalMilliseconds { get; init; } = 200;

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Where the ledger state and the vault live: <see cref="SqliteStore"/> (the default: DATA/state.db and
    /// DATA/vault.db) or <see cref="PostgresStoreName"/> (the node's schema on a PostgreSQL server, docs/adr/0006).</summary>
    public string Store { get; init; } = SqliteStore;

    /// <summary>The server and schema when <see cref="Store"/> is <see cref="PostgresStoreName"/>.</summary>
    public PostgresSettings? Postgres { get; init; }

    public const string OptIn = "opt-in";
    public const string OptOutForTreatment = "opt-out-for-treatment";

    /// <summary>The access layer's settings from this configuration.</summary>
    /// <exception cref="CliException">an unknown jurisdiction or a malformed organisation reference.</exception>
    public AccessGateOptions GateOptions()
    {
        var profile = Jurisdiction switch
        {
            OptIn => JurisdictionProfile.OptIn,
            OptOutForTreatment => JurisdictionProfile.OptOutForTreatment,
            _ => throw new CliException($"unknown jurisdiction '{Jurisdiction}': use '{OptIn}' or '{OptOutForTreatment}'"),
        };
        if (OrganizationReference is { } reference
            && (!reference.StartsWith("Organization/", StringComparison.Ordinal) || !Fhir.Storage.ResourceRepository.IsValidId(reference["Organization/".Length..])))
        {
            throw new CliException($"the organisation reference must be Organization/<id>, not '{reference}'");
        }

        if (DecisionCacheCapacity < 0)
        {
            throw new CliException($"decisionCacheCapacity must be 0 (off) or a positive number of decisions, not {DecisionCacheCapacity}");
        }

        var options = new AccessGateOptions(OrganisationName) { Profile = profile, OrganizationReference = OrganizationReference };
        return DecisionCacheCapacity is { } capacity ? options with { DecisionCacheCapacity = capacity } : options;
    }

    public const string SqliteStore = "sqlite";
    public const string PostgresStoreName = "postgres";

    /// <summary>Set when the node is a member of a consortium network (ADR 0005); null for a single node.</summary>
    public ConsortiumConfig? Consortium { get; init; }

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The PostgreSQL store the state and the vault use, or null for SQLite files.</summary>
    /// <exception cref="CliException">the store settings are incomplete or invalid.</exception>
    public PostgresStore? PostgresStore()
    {
        switch (Store)
        {
            case SqliteStore:
                return null;
            case PostgresStoreName when Postgres is { ConnectionString: { Length: > 0 } connection, Schema: { } schema }:
                try
                {
                    return new PostgresStore(connection, schema);
                }
                catch (ArgumentException e)
                {
                    throw new CliException(e.Message);
                }

            case PostgresStoreName:
                throw new CliException("store 'postgres' needs a connection string and a schema (\"postgres\": {\"connectionString\": ..., \"schema\": ...})");
            default:
                throw new CliException($"unknown store '{Store}': use '{SqliteStore}' or '{PostgresStoreName}'");
        }
    }

    /// <summary>A schema name for a node of this origin: "careledger_" and the origin's letters and digits, lowercased.</summary>
    public static string DefaultSchema(string origin)
    {
        var name = new StringBuilder("careledger_");
        foreach (var c in origin.ToLowerInvariant())
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        return name.ToString(0, Math.Min(name.Length, 63));
    }

    public static NodeConfig Load(NodePaths paths)
    {
        if (!paths.IsInitialised)
        {
            throw new CliException($"no CareLedger node in {paths.DataDirectory}: run 'careledger init --data {paths.DataDirectory}' first");
        }

        try
        {
            var config = JsonSerializer.Deserialize<NodeConfig>(File.ReadAllText(paths.NodeConfig), s_json)
                ?? throw new CliException($"{paths.NodeConfig} is empty");
            // Checked before anything is opened: a node must not start with access rules it cannot apply.
            _ = config.GateOptions();
            return config;
        }
        catch (JsonException e)
        {
            throw new CliException($"{paths.NodeConfig} is not valid node configuration: {e.Message}");
        }
    }

    /// <summary>Written with mode 0600 when it names a PostgreSQL server: its connection string may hold a password
    /// (a Passfile or PGPASSWORD keeps it out of the file altogether).</summary>
    public void Save(NodePaths paths)
    {
        var json = JsonSerializer.Serialize(this, s_json) + "\n";
        if (Postgres is not null)
        {
            SecureFile.WriteAllBytes(paths.NodeConfig, Encoding.UTF8.GetBytes(json));
            return;
        }

        File.WriteAllText(paths.NodeConfig, json);
    }
}

/// <summary>The node's PostgreSQL server (an Npgsql connection string) and its own schema on it.</summary>
internal sealed record PostgresSettings(string ConnectionString, string Schema);

/// <summary>
/// How a consortium member reaches its network. The network's origin, quorum and checkpoint policy are not here:
/// they come from the genesis, which is leaf 0 of the member's log.
/// </summary>
internal sealed record ConsortiumConfig
{
    /// <summary>The network's JetStream name (from the genesis; kept here for the operator).</summary>
    public required string Network { get; init; }

    /// <summary>This member's name in the genesis.</summary>
    public required string Member { get; init; }

    /// <summary>The network's NATS servers, comma-separated (nats://host:port,...).</summary>
    public required string NatsUrls { get; init; }

    /// <summary>Replicas of the network's streams: 3 for a network of three or more NATS servers.</summary>
    public int Replicas { get; init; } = 3;
}
