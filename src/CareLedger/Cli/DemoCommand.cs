using System.CommandLine;
using CareLedger.Identity.Seeding;
using CareLedger.Node;
using Spectre.Console;

namespace CareLedger.Cli;

/// <summary>
/// <c>careledger demo</c>: the first thing a new user runs. A node on the embedded default, loaded with the
/// synthetic Synthea patients through the ordinary import path, serving, with a short tour printed.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The demo bundles ship beside the executable (copied from data/synthea at build time).</summary>
    internal static string DemoDataDirectory => Path.Combine(AppContext.BaseDirectory, "DemoData", "synthea");

    public static Command Create()
    {
        var data = CareLedgerCli.DataOption("careledger-demo");
        var urls = NodeCommands.UrlsOption();
        var noServe = new Option<bool>("--no-serve") { Description = "Prepare the demo node and exit instead of serving." };
        var command = new Command("demo", "Create (or reopen) a demo node, load the synthetic demo patients, and serve it.") { data, urls, noServe };
        command.SetAction(async (parse, ct) =>
        {
            var paths = NodePaths.For(parse.GetValue(data)!);
            if (!Directory.Exists(DemoDataDirectory))
            {
                throw new CliException($"the demo data is missing from {DemoDataDirectory}; rebuild the project");
            }

            await using var node = paths.IsInitialised
                ? await CareLedgerNode.OpenAsync(paths, ct)
                : await CareLedgerNode.InitializeAsync(paths, "demo.careledger.local/ledger", "Demo General Hospital", ct);
            AnsiConsole.MarkupLine($"Demo node in [bold]{Markup.Escape(paths.DataDirectory)}[/] (origin {Markup.Escape(node.Config.Origin)})");

            var report = await ImportCommand.RunAsync(node, [DemoDataDirectory], ct);
            if (report.Failures.Count > 0)
            {
                throw new CliException($"{report.Failures.Count} demo bundle(s) failed to import");
            }

            var seeded = await DemoAccounts.SeedAsync(node, ct);
            PrintAccounts(seeded);

            if (parse.GetValue(noServe))
            {
                PrintTour(node, NodeHost.DefaultUrls);
                return 0;
            }

            await NodeCommands.RunHostAsync(node, parse.GetValue(urls)!, addresses => PrintTour(node, addresses.Count > 0 ? addresses[0] : NodeHost.DefaultUrls), ct);
            return 0;
        });
        return command;
    }

    private static void PrintAccounts(DemoAccounts.Seeded seeded)
    {
        AnsiConsole.MarkupLine("[bold]Demo accounts[/] (password: the user name followed by -demo, e.g. alice-demo; docs/identity.md)");
        Console.WriteLine($"  alice    patient          Patient/{seeded.PatientId}");
        Console.WriteLine($"  dr.bob   clinician        Practitioner/{seeded.PractitionerId}");
        Console.WriteLine("  grace    guardian         acts for alice");
        Console.WriteLine("  carl     caregiver        acts for alice");
        Console.WriteLine("  rita     researcher");
        Console.WriteLine("  priya    privacy officer");
        Console.WriteLine("  boris    board officer");
        Console.WriteLine("  oscar    operator");
        Console.WriteLine($"  {IdentitySeeder.DemoSystemClientId} (client credentials, secret {IdentitySeeder.DemoSystemSecret}, scopes {IdentitySeeder.DemoSystemScopes})");
    }

    /// <summary>Plain lines rather than a table: commands must survive copy and paste unbroken.</summary>
    private static void PrintTour(CareLedgerNode node, string baseUrl)
    {
        var data = node.Paths.DataDirectory;
        (string Try, string What)[] tour =
        [
            ($"curl {baseUrl}/fhir/metadata", "the FHIR R4 CapabilityStatement: what this node supports"),
            ($"TOKEN=$(curl -s -u {IdentitySeeder.DemoSystemClientId}:{IdentitySeeder.DemoSystemSecret} -d grant_type=client_credentials -d 'scope=system/*.rs' {baseUrl}/connect/token | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')",
                "an access token for the demo backend service (OAuth 2.0 client credentials, SMART system scopes)"),
            ($"curl -H \"Authorization: Bearer $TOKEN\" '{baseUrl}/fhir/Patient?_count=5'", "demo patients, decrypted from the vault on read, through the access layer"),
            ($"curl -H \"Authorization: Bearer $TOKEN\" '{baseUrl}/fhir/Observation?code=http://loinc.org|8302-2&_count=3'", "a search through the index (body height)"),
            ($"curl {baseUrl}/ledger/checkpoint", "the latest signed checkpoint (C2SP signed note)"),
            ($"curl {baseUrl}/ledger/receipts/1 > receipt.json", "the receipt of ledger transaction 1"),
            ($"careledger receipt verify receipt.json --key '{node.Ledger.Keys.Log.VerifierKey.ToVkey()}'", "verify that receipt offline"),
            ($"careledger verify --data {data}", "a full audit of log, tree, checkpoints and state (stop the node first)"),
        ];
        AnsiConsole.MarkupLine("[bold]What to try[/]");
        foreach (var (command, what) in tour)
        {
            Console.WriteLine($"  {command}");
            AnsiConsole.MarkupLine($"      [grey]{Markup.Escape(what)}[/]");
        }
    }
}
