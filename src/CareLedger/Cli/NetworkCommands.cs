using System.CommandLine;
using CareLedger.Consortium.LocalNetwork;
using Spectre.Console;

namespace CareLedger.Cli;

/// <summary><c>careledger network up|down|status</c>: a consortium of N members and three nats-servers on this machine.</summary>
internal static class NetworkCommands
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    public static Command Create()
    {
        var command = new Command("network", "A local consortium network on 127.0.0.1: clustered nats-servers (JetStream, 3 replicas) and N members.");
        command.Subcommands.Add(Up());
        command.Subcommands.Add(Down());
        command.Subcommands.Add(Status());
        return command;
    }

    private static Option<string> DirectoryOption() => new("--dir")
    {
        Description = "The network's directory (configuration, genesis, every member's data, logs).",
        DefaultValueFactory = _ => "careledger-network",
    };

    /// <summary>Where a new network's members keep their state and vault (network up, bench consortium).</summary>
    internal static (Option<string> Store, Option<string?> Postgres) StoreOptions()
    {
        var store = new Option<string>("--store")
        {
            Description = "Where the members keep their ledger state and vault: postgres (each member a schema on the network's own PostgreSQL cluster, made with Debian's initdb, or on --postgres) or sqlite (files).",
            DefaultValueFactory = _ => Node.NodeConfig.PostgresStoreName,
        };
        store.AcceptOnlyFromAmong(Node.NodeConfig.PostgresStoreName, Node.NodeConfig.SqliteStore);
        return (store, new Option<string?>("--postgres") { Description = "A PostgreSQL server of yours (Npgsql connection string) for the members' schemas, instead of a cluster of the network's own." });
    }

    internal static (NetworkStore Kind, string? Server) Store(ParseResult parse, Option<string> store, Option<string?> postgres) =>
        (parse.GetValue(store), parse.GetValue(postgres)) switch
        {
            (Node.NodeConfig.SqliteStore, null) => (NetworkStore.Sqlite, null),
            (Node.NodeConfig.SqliteStore, _) => throw new CliException("--postgres applies only with --store postgres"),
            (_, null) => (NetworkStore.OwnPostgres, null),
            (_, var server) => (NetworkStore.Postgres, server),
        };

    private static Command Up()
    {
        var directory = DirectoryOption();
        var members = new Option<int>("--members") { Description = "How many members (when the network is created).", DefaultValueFactory = _ => 3 };
        var quorum = new Option<int?>("--quorum") { Description = "Cosignatures that commit a checkpoint. Default: a majority." };
        var interval = new Option<int>("--checkpoint-interval-ms") { Description = "Stream time between checkpoints under load.", DefaultValueFactory = _ => ConsortiumCommands.DefaultCheckpointIntervalMs };
        var (store, postgres) = StoreOptions();
        var command = new Command("up", "Create the network if the directory holds none, then start whatever of it is not running, and print how to use it.") { directory, members, quorum, interval, store, postgres };
        command.SetAction(async (parse, ct) =>
        {
            var dir = parse.GetValue(directory)!;
            var network = LocalNetwork.Open(dir);
            if (network is null)
            {
                var count = parse.GetValue(members);
                if (count is < 1 or > 16)
                {
                    throw new CliException("--members must be 1 to 16");
                }

                Console.WriteLine($"creating network in {Path.GetFullPath(dir)}: keys, a genesis approved by {count} founders, 3 nats-servers...");
                var (kind, server) = Store(parse, store, postgres);
                network = LocalNetwork.Create(dir, count, natsServers: 3, parse.GetValue(quorum), parse.GetValue(interval), kind, server);
            }

            var started = network.Start(StartTimeout);
            Console.WriteLine($"started {started} process(es); waiting for every member to serve...");
            await network.WaitUntilServingAsync(StartTimeout, ct);
            PrintUsage(network);
            return 0;
        });
        return command;
    }

    private static Command Down()
    {
        var directory = DirectoryOption();
        var purge = new Option<bool>("--purge") { Description = "Also delete the network's directory (every member's data)." };
        var command = new Command("down", "Stop the network's members, then its nats-servers (their data stays for the next 'up' unless --purge).") { directory, purge };
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(directory)!;
            var network = LocalNetwork.Open(dir) ?? throw new CliException($"no network in {Path.GetFullPath(dir)}");
            if (parse.GetValue(purge))
            {
                network.Purge();
                Console.WriteLine($"network {network.Layout.Network} stopped and deleted");
            }
            else
            {
                network.Stop();
                Console.WriteLine($"network {network.Layout.Network} stopped; 'careledger network up --dir {dir}' starts it again");
            }

            return 0;
        });
        return command;
    }

    private static Command Status()
    {
        var directory = DirectoryOption();
        var command = new Command("status", "Show each nats-server and member: running, size, committed size, alarms.") { directory };
        command.SetAction(async (parse, ct) =>
        {
            var dir = parse.GetValue(directory)!;
            var network = LocalNetwork.Open(dir) ?? throw new CliException($"no network in {Path.GetFullPath(dir)}");
            var table = new Table().AddColumn("process").AddColumn("address").AddColumn("pid").AddColumn("state");
            for (var i = 0; i < network.Layout.NatsServers.Count; i++)
            {
                var server = network.Layout.NatsServers[i];
                table.AddRow($"nats-server {server.Name}", server.ClientUrl, network.NatsPid(i)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", network.NatsPid(i) is null ? "[red]stopped[/]" : "running");
            }

            if (network.Layout.Postgres is { } postgres)
            {
                var pid = postgres.Pid();
                table.AddRow("postgresql", $"127.0.0.1:{postgres.Port}", pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", pid is null ? "[red]stopped[/]" : "running");
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var healthy = true;
            for (var i = 0; i < network.Layout.Members.Count; i++)
            {
                var member = network.Layout.Members[i];
                var health = network.MemberPid(i) is null ? null : await MemberHealth.ReadAsync(http, member, ct);
                var state = health is null
                    ? "[red]not serving[/]"
                    : health.Alarms.Count > 0
                        ? $"[red]ALARM[/]: {Markup.Escape(string.Join("; ", health.Alarms))}"
                        : $"size {health.Size}, committed {health.CommittedSize}, stream {health.StreamSequence}{(health.Connected ? "" : ", [yellow]NATS unreachable[/]")}";
                healthy &= health is { Alarms.Count: 0 };
                table.AddRow($"member {Markup.Escape(member.Name)}", member.Url, network.MemberPid(i)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", state);
            }

            AnsiConsole.Write(table);
            return healthy ? 0 : 1;
        });
        return command;
    }

    private static void PrintUsage(LocalNetwork network)
    {
        var genesis = Path.Combine(network.Directory, "genesis.cbor");
        Console.WriteLine();
        Console.WriteLine($"CareLedger network {network.Layout.Network} is up (origin {network.Layout.Origin})");
        Console.WriteLine($"  NATS (JetStream, 3 replicas): {network.Layout.NatsUrls}");
        Console.WriteLine($"  state and vault: {StoreDescription(network)}");
        foreach (var member in network.Layout.Members)
        {
            Console.WriteLine($"  member {member.Name,-16} {member.Url}   data {Path.Combine(network.Directory, "members", member.Name)}");
        }

        var first = network.Layout.Members[0];
        Console.WriteLine();
        Console.WriteLine("Try:");
        Console.WriteLine($"  curl {first.Url}/health                      # size, committed size, stream position, alarms");
        Console.WriteLine($"  curl {first.Url}/ledger/checkpoint           # the latest checkpoint cosigned by a quorum of members");
        Console.WriteLine($"  curl -o r.json '{first.Url}/ledger/receipts/0?waitMs=2000'   # a receipt (here: of the genesis)");
        Console.WriteLine($"  careledger receipt verify r.json --genesis {genesis}   # verify it offline against the members' keys");
        Console.WriteLine($"  careledger bench consortium --network {network.Directory} # committed tx/s and p99 to a cosigned receipt");
        Console.WriteLine($"  careledger network status --dir {network.Directory}");
        Console.WriteLine($"  careledger network down --dir {network.Directory}");
    }

    private static string StoreDescription(LocalNetwork network)
    {
        var config = Node.NodeConfig.Load(Node.NodePaths.For(network.MemberDataDirectory(0)));
        return config.PostgresStore() is { } first
            ? network.Layout.Postgres is { } own
                ? $"PostgreSQL on 127.0.0.1:{own.Port} (the network's own cluster in {own.Directory}), a schema per member (e.g. {first.Schema})"
                : $"PostgreSQL, a schema per member (e.g. {first.Describe()})"
            : "SQLite files in each member's data directory";
    }
}
