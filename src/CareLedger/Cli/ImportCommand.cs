using System.CommandLine;
using System.Globalization;
using CareLedger.Import;
using CareLedger.Node;
using Spectre.Console;

namespace CareLedger.Cli;

/// <summary><c>careledger import PATH...</c>: FHIR bundles, folders and NDJSON into a node, resumable and idempotent.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var data = CareLedgerCli.DataOption();
        var paths = new Argument<string[]>("PATH") { Description = "FHIR Bundle JSON files, folders of them, or NDJSON files.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("import", "Load FHIR R4 Bundles: each is validated, encrypted in the vault and committed on the ledger. Safe to re-run; an interrupted import resumes.") { data, paths };
        command.SetAction(async (parse, ct) =>
        {
            var inputs = parse.GetValue(paths)!;
            foreach (var p in inputs.Where(p => !File.Exists(p) && !Directory.Exists(p)))
            {
                throw new CliException($"no such file or folder: {p}");
            }

            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            var report = await RunAsync(node, inputs, ct);
            return report.Failures.Count == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>Imports with a progress bar and prints the summary; shared by <c>import</c> and <c>demo</c>.</summary>
    internal static async Task<ImportReport> RunAsync(CareLedgerNode node, IReadOnlyList<string> inputs, CancellationToken ct)
    {
        ImportReport report = null!;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var files = progress.AddTask("importing FHIR bundles");
                var reporter = new Progress<ImportProgress>(p =>
                {
                    files.MaxValue = Math.Max(1, p.FilesTotal);
                    files.Value = p.FilesDone;
                    files.Description = $"importing FHIR bundles ({p.ResourcesDone.ToString("N0", CultureInfo.InvariantCulture)} resources)";
                });
                report = await node.Importer.ImportAsync(inputs, reporter, ct);
                files.Value = files.MaxValue;
            });

        var table = new Table().AddColumn("import").AddColumn(new TableColumn("count").RightAligned());
        table.AddRow("files", BenchCommands.Format(report.Files));
        table.AddRow("files imported now", BenchCommands.Format(report.FilesImported));
        table.AddRow("files already imported (skipped)", BenchCommands.Format(report.FilesSkipped));
        table.AddRow("resources created", BenchCommands.Format(report.ResourcesCreated));
        table.AddRow("resources already present", BenchCommands.Format(report.ResourcesAlreadyPresent));
        table.AddRow("resources / s", report.ResourcesPerSecond.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("failed files", BenchCommands.Format(report.Failures.Count));
        AnsiConsole.Write(table);
        foreach (var failure in report.Failures)
        {
            Console.Error.WriteLine($"careledger: {Path.GetFileName(failure.Path)}: {failure.Reason} (nothing from this file was stored)");
        }

        return report;
    }
}
