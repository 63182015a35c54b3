using System.CommandLine;
using System.Globalization;
using CareLedger.Ledger.Engine;
using CareLedger.Node;
using Spectre.Console;

namespace CareLedger.Cli;

/// <summary><c>careledger verify</c>: a full audit of a node's data directory, offline.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var data = CareLedgerCli.DataOption();
        var command = new Command("verify", "Re-read the whole log, check every signature, recompute the Merkle tree and every checkpoint, and check that the state equals a replay.") { data };
        command.SetAction(async (parse, ct) =>
        {
            var paths = NodePaths.For(parse.GetValue(data)!);
            var config = NodeConfig.Load(paths); // a clear message when the directory is not a node
            VerifyReport report = null!;
            await AnsiConsole.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask("verifying the ledger");
                    var reporter = new Progress<VerifyProgress>(p =>
                    {
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Done;
                    });
                    report = await LedgerEngine.VerifyAsync(CareLedgerNode.LedgerOptionsFor(paths, config), reporter, ct);
                    task.Value = task.MaxValue;
                });

            PrintReport(report);
            if (!report.Ok)
            {
                throw new CliException($"verification FAILED at {report.FirstProblem}", exitCode: 2);
            }

            // The ledger is sound; now the vault must agree with it, version by version.
            await using (var node = await CareLedgerNode.OpenAsync(paths, ct))
            {
                var audit = VaultLedgerAudit.Run(node);
                AnsiConsole.MarkupLine($"vault versions checked against the ledger: {audit.VersionsChecked.ToString("N0", CultureInfo.InvariantCulture)}");
                if (!audit.Ok)
                {
                    throw new CliException($"verification FAILED: {audit.Problem}", exitCode: 2);
                }
            }

            AnsiConsole.MarkupLine("[green]verification passed[/]");
            return 0;
        });
        return command;
    }

    private static void PrintReport(VerifyReport report)
    {
        var table = new Table().AddColumn("check").AddColumn(new TableColumn("count").RightAligned());
        foreach (var (name, value) in report.Counts)
        {
            table.AddRow(Markup.Escape(name), value.ToString("N0", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
    }
}
