using System.CommandLine;
using CareLedger.Fhir;
using CareLedger.Fhir.Bench;
using Spectre.Console;

namespace CareLedger.Cli;

/// <summary><c>careledger bench fhir</c>: import throughput, then create and read-by-id under concurrent clients.</summary>
internal static partial class BenchCommands
{
    static partial void AddFhir(Command bench)
    {
        var data = new Option<string?>("--data", "-d") { Description = "A node to load. Default: a fresh temporary node, deleted afterwards." };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients for creates and reads.", DefaultValueFactory = _ => 8 };
        var creates = new Option<int>("--creates") { Description = "Creates per client.", DefaultValueFactory = _ => 250 };
        var reads = new Option<int>("--reads") { Description = "Reads per client.", DefaultValueFactory = _ => 1000 };
        var import = new Option<string[]>("--import") { Description = "Bundles or folders to import for the import figure. Default: the demo bundles.", AllowMultipleArgumentsPerToken = true };
        var warm = new Option<bool>("--warm") { Description = "First import the same bundles into a throwaway node, so the figure is the steady state rather than the first use of the validator." };
        var copies = new Option<int>("--copies")
        {
            Description = "Import this many re-identified copies of each patient bundle (new UUIDs, generated into a temporary folder) for a steadier import figure.",
            DefaultValueFactory = _ => 1,
        };
        var importOnly = new Option<bool>("--import-only") { Description = "Measure the import only (no creates or reads)." };
        var httpWarmUp = new Option<int?>("--http-warm-up")
        {
            Description = "Untimed creates and reads per client over HTTP before the HTTP figures. Default: 100 with --warm (the steady state), else 0.",
        };
        var postgres = PostgresOption();
        var command = new Command("fhir", "FHIR import throughput (validated, encrypted, ledgered) and create / read-by-id throughput and latency at N clients.") { data, clients, creates, reads, import, warm, copies, importOnly, httpWarmUp, postgres };
        command.SetAction(async (parse, ct) =>
        {
            IReadOnlyList<string> given = parse.GetValue(import) is { Length: > 0 } named ? named : [DemoCommand.DemoDataDirectory];
            var count = parse.GetValue(copies);
            if (count < 1)
            {
                throw new CliException("--copies must be at least 1");
            }

            var generated = count == 1 ? null : Directory.CreateTempSubdirectory("careledger-bench-bundles-").FullName;
            try
            {
                var paths = generated is null ? given : SyntheaCopies.Write(given, count, generated);
                var options = new FhirLoadOptions
                {
                    ImportPaths = paths,
                    Clients = parse.GetValue(clients),
                    CreatesPerClient = parse.GetValue(creates),
                    ReadsPerClient = parse.GetValue(reads),
                    ImportOnly = parse.GetValue(importOnly),
                    HttpWarmUpPerClient = parse.GetValue(httpWarmUp) ?? (parse.GetValue(warm) ? DefaultHttpWarmUp : 0),
                };
                await RunFhirAsync(parse.GetValue(data), parse.GetValue(postgres), options, parse.GetValue(warm), ct);
                return 0;
            }
            finally
            {
                if (generated is not null)
                {
                    Directory.Delete(generated, recursive: true);
                }
            }
        });
        bench.Subcommands.Add(command);
    }

    /// <param name="postgres">A temporary node keeps its state and vault in a fresh schema on this server (null: SQLite files).</param>
    private static async Task RunFhirAsync(string? dataDirectory, string? postgres, FhirLoadOptions options, bool warm, CancellationToken ct)
    {
        if (warm)
        {
            // The steady state: the first import compiles the validator's schemas and every method at tier 0; the runtime
            // re-compiles the hot ones (tier 1) only once new methods stop appearing, i.e. largely during the next import.
            // Throwaway imports are repeated (at most MaxWarmUpImports) until one leaves the JIT nearly idle, so that the
            // measured import does not pay for the warm-up's compilation.
            for (var round = 1; round <= MaxWarmUpImports; round++)
            {
                await using var throwaway = BenchNode.Create(null, postgres);
                await using var warmNode = await throwaway.OpenAsync(ct);
                var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
                await AnsiConsole.Status().StartAsync($"warming up: import {round} into a throwaway node", async _ =>
                    await warmNode.Importer.ImportAsync(options.ImportPaths, null, ct));
                if (round > 1 && System.Runtime.JitInfo.GetCompiledMethodCount() - jitted < QuietJitMethods)
                {
                    break;
                }
            }
        }

        await using var scratch = BenchNode.Create(dataDirectory, postgres);
        await using var node = await scratch.OpenAsync(ct);
        var figures = await AnsiConsole.Status().StartAsync("loading", async status =>
            await new FhirLoad(node.Fhir, node.Paths.ImportState, FhirCaller.Custodian(node.Config.OrganisationName, "careledger-bench")).RunAsync(options, new Progress<string>(s => status.Status(Markup.Escape(s))), ct));

        var table = new Table().AddColumn("operation").AddColumn(new TableColumn("count").RightAligned())
            .AddColumn(new TableColumn("per second").RightAligned()).AddColumn(new TableColumn("p50").RightAligned())
            .AddColumn(new TableColumn("p95").RightAligned()).AddColumn(new TableColumn("p99").RightAligned());
        if (figures.Import is { } imported)
        {
            var count = imported.ResourcesCreated + imported.ResourcesAlreadyPresent;
            table.AddRow("import (validate, encrypt, ledger)", Format(count), $"{imported.ResourcesPerSecond:N0}", "", "", "");
        }

        var (cpuPerCreate, cpuPerRead) = (TimeSpan.Zero, TimeSpan.Zero);
        if (!options.ImportOnly)
        {
            AddRow(table, $"create, in process ({figures.Clients} clients)", figures.Create);
            AddRow(table, $"read by id, in process ({figures.Clients} clients)", figures.Read);
            (LatencyFigures httpCreate, LatencyFigures httpRead, cpuPerCreate, cpuPerRead) = await AnsiConsole.Status().StartAsync("the same over HTTP", async _ =>
                await FhirHttpLoad.RunAsync(node, options.Clients, options.CreatesPerClient, options.ReadsPerClient, options.HttpWarmUpPerClient, ct));
            AddRow(table, $"[bold]create over HTTP[/] ({figures.Clients} clients)", httpCreate);
            AddRow(table, $"[bold]read by id over HTTP[/] ({figures.Clients} clients)", httpRead);
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"state and vault: {Markup.Escape(StoreOf(node))}");
        AnsiConsole.MarkupLine($"CPU per import resource: {(figures.ImportResourcesPerCpuSecond > 0 ? 1000 / figures.ImportResourcesPerCpuSecond : 0):F2} ms (all threads)");
        AnsiConsole.MarkupLine($"allocated per import resource: {figures.ImportAllocatedBytesPerResource / 1024:F1} KiB ({figures.ImportCollections} collections during the import)");
        AnsiConsole.MarkupLine($"JIT during the import: {figures.ImportJit.TotalMilliseconds:N0} ms compiling {figures.ImportJittedMethods:N0} methods (included in the CPU figure)");
        AnsiConsole.MarkupLine($"group commits during the import: {Markup.Escape(figures.ImportGroups.ToString())}");
        if (!options.ImportOnly)
        {
            AnsiConsole.MarkupLine($"CPU per create over HTTP: {cpuPerCreate.TotalMilliseconds:F2} ms; per read over HTTP: {cpuPerRead.TotalMilliseconds * 1000:F0} µs (all threads, the clients' included)");
        }
    }

    /// <summary>
    /// Untimed creates and reads per client over HTTP with <c>--warm</c>: the HTTP stack's methods (Kestrel, the token
    /// check, the endpoints; the in-process phase does not run them) reach tier 1 before the figures are taken. Without
    /// it the JIT took 14 % of the CPU of the timed creates (perf, 2026-12-06).
    /// </summary>
    private const int DefaultHttpWarmUp = 100;

    /// <summary>Throwaway imports before the measured one with <c>--warm</c>, at most.</summary>
    private const int MaxWarmUpImports = 3;

    /// <summary>A warm-up import that compiles fewer methods than this leaves the JIT quiet enough to measure.</summary>
    private const int QuietJitMethods = 300;

    private static void AddRow(Table table, string name, LatencyFigures f) =>
        table.AddRow(name, Format(f.Operations), $"{f.PerSecond:N0}", $"{f.P50Milliseconds:F2} ms", $"{f.P95Milliseconds:F2} ms", $"{f.P99Milliseconds:F2} ms");
}
