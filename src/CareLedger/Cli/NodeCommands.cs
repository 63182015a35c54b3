using System.CommandLine;
using System.Security.Cryptography;
using CareLedger.Ledger.Engine;
using CareLedger.Node;
using Spectre.Console;

namespace CareLedger.Cli;

/// <summary><c>init</c>, <c>serve</c> and <c>keys</c>: creating, running and describing one node.</summary>
internal static class NodeCommands
{
    public static Command Init()
    {
        var data = CareLedgerCli.DataOption();
        var origin = new Option<string?>("--origin") { Description = "The log origin (a schema-less URL, e.g. ledger.stmarys.example). Default: careledger.local/<random id>." };
        var organisation = new Option<string>("--organisation") { Description = "The member organisation's name.", DefaultValueFactory = _ => "Demo Hospital" };
        var every = new Option<int>("--checkpoint-every") { Description = "Sign a checkpoint after this many transactions.", DefaultValueFactory = _ => 1000 };
        var interval = new Option<int>("--checkpoint-interval-ms") { Description = "...or after this many milliseconds with new transactions, whichever comes first.", DefaultValueFactory = _ => 200 };
        var store = new Option<string?>("--store") { Description = "Where the ledger state and the vault live: 'sqlite' (files in the data directory; the default) or 'postgres'." };
        store.AcceptOnlyFromAmong(NodeConfig.SqliteStore, NodeConfig.PostgresStoreName);
        var postgres = new Option<string?>("--postgres") { Description = "The PostgreSQL server, as an Npgsql connection string (\"Host=...;Port=...;Database=...;Username=...\"; a Passfile or PGPASSWORD keeps the password out of node.json). Implies --store postgres." };
        var schema = new Option<string?>("--postgres-schema") { Description = "The node's own schema on that server (created if missing; must be empty). Default: careledger_ and the origin's letters and digits." };
        var jurisdiction = new Option<string>("--jurisdiction") { Description = "Consent rules: 'opt-in' (nothing without consent; the default) or 'opt-out-for-treatment' (the care team treats until the patient opts out, where the law allows).", DefaultValueFactory = _ => NodeConfig.OptIn };
        jurisdiction.AcceptOnlyFromAmong(NodeConfig.OptIn, NodeConfig.OptOutForTreatment);
        var organizationReference = new Option<string?>("--organization-reference") { Description = "The custodian as consents name it, Organization/<id>: a consent naming it covers its clinicians." };
        var command = new Command("init", "Create a new node: keys (mode 0600), the genesis transaction, an empty vault.") { data, origin, organisation, every, interval, store, postgres, schema, jurisdiction, organizationReference };
        command.SetAction(async (parse, ct) =>
        {
            var paths = NodePaths.For(parse.GetValue(data)!);
            var originValue = parse.GetValue(origin) ?? DefaultOrigin();
            ValidateOrigin(originValue);
            var (everyValue, intervalValue) = (parse.GetValue(every), parse.GetValue(interval));
            if (everyValue < 1 || intervalValue < 1)
            {
                throw new CliException("--checkpoint-every and --checkpoint-interval-ms must be at least 1");
            }

            var settings = new NodeConfig
            {
                Origin = originValue,
                OrganisationName = parse.GetValue(organisation)!,
                CheckpointEveryTransactions = everyValue,
                CheckpointIntervalMilliseconds = intervalValue,
                Jurisdiction = parse.GetValue(jurisdiction)!,
                OrganizationReference = parse.GetValue(organizationReference),
            };
            _ = settings.GateOptions();
            settings = WithStore(settings, parse.GetValue(store), parse.GetValue(postgres), parse.GetValue(schema));
            await using var node = await CareLedgerNode.InitializeAsync(paths, settings, ct);
            AnsiConsole.MarkupLine($"[green]Initialised[/] a CareLedger node in [bold]{Markup.Escape(paths.DataDirectory)}[/]");
            PrintKeys(node.Config, node.Ledger.Keys);
            Console.WriteLine($"state and vault          {(node.Config.PostgresStore() is { } where ? where.Describe() : "SQLite files in the data directory")}");
            Console.WriteLine($"transactions             {node.Ledger.Size}");
            return 0;
        });
        return command;
    }

    public static Command Serve()
    {
        var data = CareLedgerCli.DataOption();
        var urls = UrlsOption();
        var command = new Command("serve", "Run the node's HTTP API (ledger and FHIR) until stopped with Ctrl+C.") { data, urls };
        command.SetAction(async (parse, ct) =>
        {
            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            await RunHostAsync(node, parse.GetValue(urls)!, onStarted: null, ct);
            return 0;
        });
        return command;
    }

    public static Command Keys()
    {
        var data = CareLedgerCli.DataOption();
        var command = new Command("keys", "Print the node's public verifier keys (for 'careledger receipt verify --key').") { data };
        command.SetAction(parse =>
        {
            // Reads the key files only, so it works beside a running node (which holds the log's lock).
            var paths = NodePaths.For(parse.GetValue(data)!);
            var config = NodeConfig.Load(paths);
            using var keys = NodeKeys.Load(paths.DataDirectory);
            PrintKeys(config, keys);
            return 0;
        });
        return command;
    }

    internal static Option<string> UrlsOption() => new("--urls")
    {
        Description = "Where to listen (loopback by default).",
        DefaultValueFactory = _ => NodeHost.DefaultUrls,
    };

    internal static async Task RunHostAsync(CareLedgerNode node, string urls, Action<IReadOnlyList<string>>? onStarted, CancellationToken ct)
    {
        await using var app = NodeHost.Build(node, urls);
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e)
        {
            throw new CliException($"cannot listen on {urls}: {e.Message}");
        }

        var addresses = NodeHost.BoundAddresses(app);
        Console.WriteLine($"CareLedger node {node.Config.Origin} listening on {string.Join(", ", addresses)} (Ctrl+C to stop)");
        onStarted?.Invoke(addresses);
        // The host's lifetime owns SIGINT/SIGTERM: it stops the server, then we dispose the node (ledger drained).
        await app.WaitForShutdownAsync(ct);
    }

    /// <summary>Plain lines, not a table: vkeys are long and must survive copy and paste unbroken.</summary>
    internal static void PrintKeys(NodeConfig config, NodeKeys keys)
    {
        Console.WriteLine($"origin                   {config.Origin}");
        Console.WriteLine($"organisation             {config.OrganisationName}");
        if (config.Consortium is { } consortium)
        {
            // A member's checkpoints carry only cosignatures: its log key signs nothing of the network's.
            Console.WriteLine($"consortium network       {consortium.Network} (member {consortium.Member}; NATS {consortium.NatsUrls})");
        }
        else
        {
            Console.WriteLine($"log key (vkey)           {keys.Log.VerifierKey.ToVkey()}");
        }

        Console.WriteLine($"cosigner key (vkey)      {keys.Cosigner.VerifierKey.ToVkey()}");
        Console.WriteLine($"organisation author key  {keys.Organisation.Id}");
        Console.WriteLine($"node author key          {keys.Node.Id}");
    }

    /// <summary>The store options of <c>init</c>: SQLite unless a PostgreSQL server is named.</summary>
    internal static NodeConfig WithStore(NodeConfig settings, string? store, string? connectionString, string? schema)
    {
        var kind = store ?? (connectionString is null ? NodeConfig.SqliteStore : NodeConfig.PostgresStoreName);
        if (kind == NodeConfig.SqliteStore)
        {
            return connectionString is null && schema is null
                ? settings
                : throw new CliException("--postgres and --postgres-schema apply only with --store postgres");
        }

        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new CliException("--store postgres needs --postgres \"Host=...;Port=...;Database=...;Username=...\"");
        }

        var configured = settings with
        {
            Store = NodeConfig.PostgresStoreName,
            Postgres = new PostgresSettings(connectionString, schema ?? NodeConfig.DefaultSchema(settings.Origin)),
        };
        _ = configured.PostgresStore(); // invalid connection strings and schema names are refused here, before anything is made
        return configured;
    }

    private static string DefaultOrigin() =>
        "careledger.local/" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    private static void ValidateOrigin(string origin)
    {
        // C2SP: the origin is the first checkpoint line and a key name: no spaces, no '+', no control characters.
        if (string.IsNullOrWhiteSpace(origin) || origin.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '+'))
        {
            throw new CliException($"invalid --origin '{origin}': it must be non-empty with no spaces, '+' or control characters (e.g. ledger.stmarys.example)");
        }
    }
}
