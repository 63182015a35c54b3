using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CareLedger.Ai;
using CareLedger.Fhir;
using CareLedger.Identity.Accounts;
using CareLedger.Identity.Seeding;
using CareLedger.Node;
using Spectre.Console;

namespace CareLedger.Cli;

/// <summary>
/// <c>careledger demo</c>: the first thing a new user runs. A node on the embedded default, loaded with the
/// synthetic Synthea patients through the ordinary import path, the demo accounts, and the AI demo (the clinical
/// reference data as demo patients, a predictive and a diagnostic model registered on the ledger), serving, with a
/// short tour printed.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The public app <c>scripts/demo-token.sh</c> signs in as (authorization code + PKCE; the redirect is never followed).</summary>
    internal const string TokenClientId = "careledger-demo-cli";

    internal static readonly Uri TokenClientRedirect = new("http://127.0.0.1/careledger-demo-callback");

    /// <summary>The demo bundles ship beside the executable (copied from data/synthea at build time).</summary>
    internal static string DemoDataDirectory => Path.Combine(AppContext.BaseDirectory, "DemoData", "synthea");

    public static Command Create()
    {
        var data = CareLedgerCli.DataOption("careledger-demo");
        var urls = NodeCommands.UrlsOption();
        var noServe = new Option<bool>("--no-serve") { Description = "Prepare the demo node and exit instead of serving." };
        var noAi = new Option<bool>("--no-ai") { Description = "Skip the AI demo (1,337 patients from the clinical reference data and two models; about two minutes the first time)." };
        var aiRows = new Option<int?>("--ai-rows") { Description = "Load only the first N rows of each clinical data set for the AI demo (all 569 + 768 by default)." };
        var command = new Command("demo", "Create (or reopen) a demo node, load the synthetic demo patients and the AI demo, and serve it.")
        {
            data, urls, noServe, noAi, aiRows,
        };
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
            await RegisterTokenClientAsync(node, ct);
            PrintAccounts(seeded);
            var ai = !parse.GetValue(noAi);
            if (ai)
            {
                if (parse.GetValue(aiRows) is < 50)
                {
                    throw new CliException("--ai-rows must be at least 50 (each outcome needs patients in every one of the 10 cross-validation folds)");
                }

                await PrepareAiAsync(node, $"Practitioner/{seeded.PractitionerId}", parse.GetValue(aiRows), ct);
            }

            if (parse.GetValue(noServe))
            {
                PrintTour(node, NodeHost.DefaultUrls, ai);
                return 0;
            }

            await NodeCommands.RunHostAsync(node, parse.GetValue(urls)!, addresses => PrintTour(node, addresses.Count > 0 ? addresses[0] : NodeHost.DefaultUrls, ai), ct);
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
        foreach (var (user, key) in seeded.OwnKeys)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {user,-8} own {key.Role} key {key.Id} on the ledger (leaf {key.RegisteredLeaf}, label {key.Label}{(key.IsRevoked ? ", REVOKED" : "")})"));
        }
    }

    /// <summary>A public SMART app for the command line, so that a demo user can get a person's token with curl.</summary>
    private static async Task RegisterTokenClientAsync(CareLedgerNode node, CancellationToken ct)
    {
        await using var store = await IdentityStore.OpenAsync(node.Paths.DataDirectory, ct);
        if (await store.FindClientAsync(TokenClientId, ct) is null)
        {
            await store.AddClientAsync(new ClientRegistration(TokenClientId, ClientKind.App)
            {
                DisplayName = "CareLedger demo command line (scripts/demo-token.sh)",
                RedirectUris = [TokenClientRedirect],
                AllowedScopes = "openid fhirUser user/*.rs",
            }, ct);
        }
    }

    /// <summary>The clinical reference data as demo patients, two models on the ledger; on a second run, found and left alone.</summary>
    private static async Task PrepareAiAsync(CareLedgerNode node, string clinician, int? rows, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var ai = AiServices.Create(node);
        var report = await AiDemo.PrepareAsync(ai, FhirCaller.Custodian(node.Config.OrganisationName, AiCommands.LoaderSubject), ModelCommands.Researcher(node),
            clinician, rows, new Progress<string>(step => AnsiConsole.MarkupLine($"  [grey]{Markup.Escape(step)}…[/]")), ct);
        var created = report.Loads.Sum(l => l.Load.PatientsCreated);
        var patients = report.Loads.Sum(l => l.Load.PatientsCreated + l.Load.PatientsPresent);
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"[bold]AI demo[/] ({clock.Elapsed.TotalSeconds:0.0} s): {patients} patients from data/clinical ({created} loaded now), treatment consents naming dr.bob, research consents from 9 in 10"));
        foreach (var (model, gate) in report.Models)
        {
            var cohort = model.Card.Cohort;
            var state = gate.Passed ? "passes the deployment gate" : gate.Deployable ? "deployed by a signed gate override (" + string.Join("; ", gate.Reasons) + ")" : "NOT deployable: " + string.Join("; ", gate.Reasons);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {model.Id}: AUROC {model.Card.Metrics.MeanAuroc:0.000} (10-fold), trained on {cohort?.Included} of {cohort?.Candidates} patients ({cohort?.ExcludedWithoutConsent} excluded without research consent); {state}"));
        }
    }

    /// <summary>Plain lines rather than a table: commands must survive copy and paste unbroken.</summary>
    private static void PrintTour(CareLedgerNode node, string baseUrl, bool ai)
    {
        var data = node.Paths.DataDirectory;
        (string Try, string What)[] tour =
        [
            ($"curl {baseUrl}/fhir/metadata", "the FHIR R4 CapabilityStatement: what this node supports"),
            ($"{baseUrl}/portal", "the web portal in a browser: sign in as alice (patient), dr.bob (clinician), priya (privacy officer) or boris (licensing board); passwords are the user name followed by -demo"),
            ($"TOKEN=$(curl -s -u {IdentitySeeder.DemoSystemClientId}:{IdentitySeeder.DemoSystemSecret} -d grant_type=client_credentials -d 'scope=system/*.rs' {baseUrl}/connect/token | sed -n 's/.*\"access_token\": *\"\\([^\"]*\\)\".*/\\1/p')",
                "an access token for the demo backend service (OAuth 2.0 client credentials, SMART system scopes)"),
            ($"curl -H \"Authorization: Bearer $TOKEN\" '{baseUrl}/fhir/Patient?_count=5'", "demo patients, decrypted from the vault on read, through the access layer"),
            ($"curl -H \"Authorization: Bearer $TOKEN\" '{baseUrl}/fhir/Observation?code=http://loinc.org|8302-2&_count=3'", "a search through the index (body height)"),
            ($"curl {baseUrl}/ledger/checkpoint", "the latest signed checkpoint (C2SP signed note)"),
            ($"curl {baseUrl}/ledger/receipts/1 > receipt.json", "the receipt of ledger transaction 1"),
            ($"careledger receipt verify receipt.json --key '{node.Ledger.Keys.Log.VerifierKey.ToVkey()}'", "verify that receipt offline"),
            ($"careledger verify --data {data}", "a full audit of log, tree, checkpoints and state (stop the node first)"),
        ];
        if (ai)
        {
            var pima = AiDemo.ModelName(Ai.Data.FeatureSets.Pima);
            var wdbc = AiDemo.ModelName(Ai.Data.FeatureSets.Wdbc);
            tour =
            [
                .. tour,
                ($"BOB=$(scripts/demo-token.sh dr.bob {baseUrl})", "a token for the demo clinician: the SMART authorization-code flow (PKCE) with curl"),
                ($"curl -H \"Authorization: Bearer $BOB\" '{baseUrl}/fhir/Patient/demo-pima-0001/$predict?model={pima}'",
                    "a diabetes RiskAssessment explained per feature, anchored on the ledger (dr.bob treats her, by her consent)"),
                ($"curl -H \"Authorization: Bearer $BOB\" '{baseUrl}/fhir/Patient/demo-wdbc-0001/$predict?model={wdbc}'",
                    "a diagnostic DiagnosticReport: malignancy of a breast mass from its aspirate's image features"),
                ($"curl -H \"Authorization: Bearer $BOB\" '{baseUrl}/fhir/Patient/demo-pima-0005/$predict?model={pima}'",
                    "refused (403): patient 5 gave no treatment consent; the refusal is in her access log"),
                ($"curl -H \"Authorization: Bearer $BOB\" {baseUrl}/cds-services", "the CDS Hooks services (patient-view, order-select per model)"),
                ($"curl -H \"Authorization: Bearer $BOB\" -H 'Content-Type: application/json' -d '{{\"hook\":\"patient-view\",\"hookInstance\":\"1\",\"context\":{{\"userId\":\"Practitioner/x\",\"patientId\":\"demo-pima-0002\"}}}}' {baseUrl}/cds-services/{pima}-patient-view",
                    "a CDS card: the prediction, its explanation, links to its ledger receipt, the model card and the bias audit"),
                ($"PRIYA=$(scripts/demo-token.sh priya {baseUrl})", "a token for the privacy officer"),
                ($"curl -H \"Authorization: Bearer $PRIYA\" '{baseUrl}/fhir/AuditEvent?patient=demo-pima-0001'", "the patient's access log: dr.bob's use of her data, naming each inference and its model"),
                ($"curl -H \"Authorization: Bearer $BOB\" {baseUrl}/ai/models/{pima}/bias-report > bias.html", "the bias audit (HTML with plots) by sex and age band"),
                ($"careledger model list --data {data}", "the registry: hashes, AUROC, ledger leaf, gate, inferences (stop the node first)"),
                ($"careledger model verify --data {data}", "hold every model file and card to the ledger (exit 2 if one changed)"),
            ];
        }

        AnsiConsole.MarkupLine("[bold]What to try[/]");
        foreach (var (command, what) in tour)
        {
            Console.WriteLine($"  {command}");
            AnsiConsole.MarkupLine($"      [grey]{Markup.Escape(what)}[/]");
        }
    }
}
