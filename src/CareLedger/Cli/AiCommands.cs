using System.CommandLine;
using CareLedger.Ai.Data;
using CareLedger.Fhir;
using CareLedger.Node;
using Spectre.Console;

namespace CareLedger.Cli;

/// <summary>
/// <c>careledger ai load-demo-data</c>: the WDBC and Pima reference rows as FHIR Observations of synthetic demo patients,
/// with their research and treatment consents, through the normal write path. Idempotent.
/// </summary>
internal static class AiCommands
{
    internal const string LoaderSubject = "careledger-cli:ai-demo-loader";

    internal static string ClinicalDataDirectory => DemoCohortLoader.ShippedDataDirectory;

    public static Command Create()
    {
        var command = new Command("ai", "The node's AI: demo data for training and prediction (see also 'careledger model').");
        command.Subcommands.Add(LoadDemoData());
        return command;
    }

    private static Command LoadDemoData()
    {
        var data = CareLedgerCli.DataOption();
        var dataset = new Option<string>("--dataset") { Description = "wdbc, pima or all.", DefaultValueFactory = _ => "all" };
        var rows = new Option<int?>("--rows") { Description = "Load only the first N rows of each data set (all by default)." };
        var practitioner = new Option<string?>("--practitioner")
        {
            Description = "The practitioner (Practitioner/<id>) the treatment consents name; default: the demo clinician (dr.bob) if the demo data is loaded, else none.",
        };
        var command = new Command("load-demo-data",
            "Write the WDBC and Pima rows as FHIR Observations of synthetic patients with their consents (every tenth declines research; see docs/ai.md). Safe to re-run.")
        {
            data, dataset, rows, practitioner,
        };
        command.SetAction(async (parse, ct) =>
        {
            var sets = parse.GetValue(dataset) is "all" or null ? FeatureSets.All : [Find(parse.GetValue(dataset)!)];
            if (parse.GetValue(rows) is < 1)
            {
                throw new CliException("--rows must be at least 1");
            }

            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            var treating = parse.GetValue(practitioner) ?? DemoClinician(node);
            if (treating is null)
            {
                AnsiConsole.MarkupLine("[yellow]no demo clinician on this node and no --practitioner: no treatment consents are written, so predictions will be refused[/]");
            }

            var loader = new DemoCohortLoader(node.Fhir, FhirCaller.Custodian(node.Config.OrganisationName, LoaderSubject));
            var table = new Table().AddColumn("data set").AddColumn("rows").AddColumn("patients created").AddColumn("patients present")
                .AddColumn("resources present").AddColumn("research consents").AddColumn("treatment consents");
            foreach (var set in sets)
            {
                var reference = DemoCohortLoader.ReadReference(set, ClinicalDataDirectory);
                var report = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask($"loading {set.Id}", maxValue: Math.Min(parse.GetValue(rows) ?? reference.Count, reference.Count));
                        try
                        {
                            return await loader.LoadAsync(set, reference, parse.GetValue(rows), treating, new Progress<int>(done => task.Value = done), ct);
                        }
                        catch (ArgumentException e)
                        {
                            throw new CliException(e.Message);
                        }
                    });
                table.AddRow(set.Id, Text(report.Rows), Text(report.PatientsCreated), Text(report.PatientsPresent), Text(report.ResourcesPresent),
                    Text(report.ResearchConsents), Text(report.TreatmentConsents));
            }

            AnsiConsole.Write(table);
            Console.WriteLine($"treatment consents name {treating ?? "nobody"}; next: careledger model train --dataset pima (then serve, and POST /ai/predict)");
            return 0;
        });
        return command;
    }

    private static FeatureSet Find(string id)
    {
        try
        {
            return FeatureSets.Find(id);
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
    }

    private static string? DemoClinician(CareLedgerNode node)
    {
        var matches = node.Fhir.FindMatches("Practitioner", [new("identifier", DemoAccounts.PractitionerIdentifier)], limit: 2);
        return matches.Count == 1 ? $"Practitioner/{matches[0].Id}" : null;
    }

    private static string Text(int value) => BenchCommands.Format(value);
}
