using System.CommandLine;
using System.Globalization;
using CareLedger.Ledger.Engine;
using System.Security.Cryptography;
using CareLedger.Node;
using CareLedger.Storage;
using Npgsql;
using Spectre.Console;

namespace CareLedger.Cli;

/// <summary><c>careledger bench ...</c>: end-to-end load commands whose figures go into docs/benchmarks.md.</summary>
internal static partial class BenchCommands
{
    public static Command Create()
    {
        var command = new Command("bench", "End-to-end load tests on a real node (figures for docs/benchmarks.md).");

        command.Subcommands.Add(Ledger());
        command.Subcommands.Add(Restart());
        AddFhir(command);
        AddAi(command);
        command.Subcommands.Add(Consortium());
        return command;
    }

    private static Command Ledger()
    {
        var data = new Option<string?>("--data", "-d") { Description = "A node to load (created if absent). Default: a fresh node in a temporary directory, deleted afterwards." };
        var count = new Option<int>("--tx") { Description = "How many transactions to submit.", DefaultValueFactory = _ => 100_000 };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Concurrent submitters.", DefaultValueFactory = _ => 256 };
        var size = new Option<int>("--bytes") { Description = "Approximate size of each signed transaction.", DefaultValueFactory = _ => 1024 };
        var postgres = PostgresOption();
        var command = new Command("ledger", "Durable signed transactions per second and p50/p99 submit-to-fsync latency on the embedded node.") { data, count, concurrency, size, postgres };
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(count);
            var c = parse.GetValue(concurrency);
            if (n < 1 || c < 1)
            {
                throw new CliException("--tx and --concurrency must be at least 1");
            }

            await using var scratch = BenchNode.Create(parse.GetValue(data), parse.GetValue(postgres));
            await using var node = await scratch.OpenAsync(ct);
            LoadResult result = null!;
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var signing = progress.AddTask("signing", maxValue: n);
                    var submitting = progress.AddTask("submitting", maxValue: n);
                    var reporter = new Progress<LoadProgress>(p => (p.Stage == "signing" ? signing : submitting).Value = p.Done);
                    result = await LedgerLoad.RunAsync(node.Ledger, n, c, parse.GetValue(size), reporter, ct);
                    signing.Value = n;
                    submitting.Value = n;
                });

            var table = new Table().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
            table.AddRow("state store", Markup.Escape(StoreOf(node)));
            table.AddRow("transactions", Format(result.Transactions));
            table.AddRow("signed transaction size", $"{Format(result.TransactionBytes)} B");
            table.AddRow("concurrent submitters", Format(result.Concurrency));
            table.AddRow("elapsed", $"{result.Elapsed.TotalSeconds:F2} s");
            table.AddRow("[bold]durable tx/s[/]", $"[bold]{result.TransactionsPerSecond:N0}[/]");
            table.AddRow("p50 submit → fsync", Ms(result.P50));
            table.AddRow("[bold]p99 submit → fsync[/]", $"[bold]{Ms(result.P99)}[/]");
            table.AddRow("max", Ms(result.Max));
            table.AddRow("(signing beforehand, not timed)", $"{result.SigningTime.TotalSeconds:F2} s");
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Restart()
    {
        var data = new Option<string?>("--data", "-d") { Description = "A node to restart (filled to --tx if smaller). Default: a fresh temporary node." };
        var count = new Option<int>("--tx") { Description = "Transactions in the log before the restart.", DefaultValueFactory = _ => 1_000_000 };
        var command = new Command("restart", "Time to reopen a node with N transactions (recovery included) until it answers its first HTTP request.") { data, count };
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(count);
            await using var scratch = BenchNode.Create(parse.GetValue(data));
            await using (var node = await scratch.OpenAsync(ct))
            {
                var missing = (int)Math.Max(0, n - node.Ledger.Size);
                if (missing > 0)
                {
                    await AnsiConsole.Progress().StartAsync(async progress =>
                    {
                        var fill = progress.AddTask($"filling the log to {Format(n)} transactions", maxValue: missing);
                        await LedgerLoad.RunAsync(node.Ledger, missing, 256, 1024, new Progress<LoadProgress>(p => fill.Value = p.Stage == "submitting" ? p.Done : 0), ct);
                        fill.Value = missing;
                    });
                }
            }

            // Restart: open (recovery scan of the log, tree and state) and serve until the first request is answered.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await using var reopened = await scratch.OpenAsync(ct);
            var opened = clock.Elapsed;
            await using var app = NodeHost.Build(reopened, "http://127.0.0.1:0");
            await app.StartAsync(ct);
            using var http = new HttpClient { BaseAddress = new Uri(NodeHost.BoundAddresses(app)[0]) };
            using var health = await http.GetAsync(new Uri("/health", UriKind.Relative), ct);
            health.EnsureSuccessStatusCode();
            var serving = clock.Elapsed;
            await app.StopAsync(ct);

            var table = new Table().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
            table.AddRow("transactions in the log", Format(reopened.Ledger.Size));
            table.AddRow("open (recover log, tree, state, vault)", Ms(opened));
            table.AddRow("[bold]restart to first answered request[/]", $"[bold]{Ms(serving)}[/]");
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    /// <summary>A fresh temporary node keeps its state and vault in a new schema on this server (dropped afterwards).</summary>
    internal static Option<string?> PostgresOption() => new("--postgres")
    {
        Description = "Run the temporary node on PostgreSQL: an Npgsql connection string (a fresh schema is made and dropped). Default: SQLite files.",
    };

    internal static string StoreOf(CareLedgerNode node) => node.Config.PostgresStore()?.Describe() ?? "SQLite files";

    internal static string Format(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    internal static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:F2} ms";

    static partial void AddFhir(Command bench);

    static partial void AddAi(Command bench);
}

/// <summary>A node to benchmark: the one given, or a fresh one in a temporary directory that is removed afterwards.</summary>
internal sealed class BenchNode : IAsyncDisposable
{
    private readonly NodePaths _paths;
    private readonly bool _temporary;
    private readonly PostgresStore? _postgres;

    private BenchNode(NodePaths paths, bool temporary, PostgresStore? postgres)
    {
        _paths = paths;
        _temporary = temporary;
        _postgres = postgres;
    }

    /// <param name="postgres">For a temporary node: keep its state and vault in a new schema on this server.</param>
    public static BenchNode Create(string? dataDirectory, string? postgres = null)
    {
        if (dataDirectory is not null)
        {
            return postgres is null
                ? new BenchNode(NodePaths.For(dataDirectory), temporary: false, null)
                : throw new CliException("--postgres applies to a temporary node; a node given with --data keeps the store it was initialised with");
        }

        var store = postgres is null ? null : new PostgresStore(postgres, "careledger_bench_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        return new BenchNode(NodePaths.For(Directory.CreateTempSubdirectory("careledger-bench-").FullName), temporary: true, store);
    }

    public async Task<CareLedgerNode> OpenAsync(CancellationToken ct)
    {
        if (_paths.IsInitialised)
        {
            return await CareLedgerNode.OpenAsync(_paths, ct);
        }

        var settings = new NodeConfig { Origin = "bench.careledger.local/ledger", OrganisationName = "Benchmark Hospital" };
        if (_postgres is not null)
        {
            settings = settings with { Store = NodeConfig.PostgresStoreName, Postgres = new PostgresSettings(_postgres.ConnectionString, _postgres.Schema) };
        }

        return await CareLedgerNode.InitializeAsync(_paths, settings, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_temporary)
        {
            return;
        }

        Directory.Delete(_paths.DataDirectory, recursive: true);
        if (_postgres is not null)
        {
            await using var connection = new NpgsqlConnection(_postgres.ConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {_postgres.Schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
