using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using CareLedger.Access.Credentials;
using CareLedger.Access.Gate;
using CareLedger.Ai;
using CareLedger.Ai.Data;
using CareLedger.Ai.Training;
using CareLedger.Analytics.Training;
using CareLedger.Fhir;
using CareLedger.Fhir.Bench;
using CareLedger.Identity.Accounts;
using CareLedger.Identity.Api;
using CareLedger.Identity.Scopes;
using CareLedger.Node;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Spectre.Console;

namespace CareLedger.Cli;

/// <summary>
/// <c>careledger bench ai</c>: on a fresh node, the clinical reference data as demo patients, training time through the
/// access layer (cohort read with consent, 10-fold cross-validation, bias audit, final fit, registration on the
/// ledger), then the latency of one accountable prediction — model re-hashed, inputs read through the door (consent
/// decision + audit record), explained prediction, inference anchored on the ledger (fsync) and its sealed opening
/// logged — in process and over HTTP (<c>GET /fhir/Patient/{id}/$predict</c> with a clinician's token from the
/// authorization-code flow).
/// </summary>
internal static partial class BenchCommands
{
    private const string BenchClinician = "bench-clinician";
    private const string BenchApp = "careledger-bench-app";

    /// <summary>The base the stored predictions' links name when the bench predicts in process (no server listens).</summary>
    private const string BenchBaseUrl = "http://127.0.0.1";
    private static readonly Uri BenchAppRedirect = new("http://127.0.0.1/careledger-bench-callback");

    static partial void AddAi(Command bench)
    {
        var rows = new Option<int?>("--rows") { Description = "Rows of each clinical data set to load (all 569 + 768 by default)." };
        var predictions = new Option<int>("--predictions") { Description = "Predictions per measurement (sequential, one client).", DefaultValueFactory = _ => 500 };
        var clients = new Option<int>("--clients") { Description = "Concurrent HTTP clients for the throughput row.", DefaultValueFactory = _ => 4 };
        var command = new Command("ai", "Training time through the access layer, and p50/p99 latency of an accountable prediction, in process and over HTTP.") { rows, predictions, clients };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(rows) is < 50 || parse.GetValue(predictions) < 1 || parse.GetValue(clients) < 1)
            {
                throw new CliException("--rows must be at least 50; --predictions and --clients at least 1");
            }

            await using var scratch = BenchNode.Create(null);
            await using var node = await scratch.OpenAsync(ct);
            using var ai = AiServices.Create(node);
            // Plain lines, not a table: the figures are copied into docs/benchmarks.md and must survive a narrow terminal.
            var lines = new List<string>();
            void Timed(string what, long count, TimeSpan took) =>
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{what,-100} {Format(count),7}  {took.TotalSeconds,8:F2} s"));
            void Latency(string what, LatencyFigures f) =>
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{what,-100} {Format(f.Operations),7}  {f.PerSecond,6:F0}/s  p50 {f.P50Milliseconds:F2} ms  p95 {f.P95Milliseconds:F2} ms  p99 {f.P99Milliseconds:F2} ms"));

            var practitioner = await AnsiConsole.Status().StartAsync("loading the clinical reference data as demo patients", async _ =>
            {
                var custodian = FhirCaller.Custodian(node.Config.OrganisationName, "careledger-bench");
                await node.Fhir.UpdateAsync(custodian, "Practitioner", BenchClinician, new Practitioner { Id = BenchClinician, Active = true }, null, ct);
                var board = await node.Credentials.EnsureIssuerKeyAsync(null, ct);
                await node.Credentials.IssueAsync(board, $"Practitioner/{BenchClinician}", new PractitionerLicence("BENCH-MD-1", "general practice"), DateTimeOffset.UtcNow.AddYears(1), ct);
                var loader = new DemoCohortLoader(node.Fhir, custodian);
                foreach (var set in FeatureSets.All)
                {
                    var clock = Stopwatch.StartNew();
                    var loaded = await loader.LoadAsync(set, DemoCohortLoader.ReadReference(set, DemoCohortLoader.ShippedDataDirectory), parse.GetValue(rows), $"Practitioner/{BenchClinician}", null, ct);
                    Timed($"load {set.Id} demo patients (every resource validated, encrypted, ledgered)", loaded.PatientsCreated, clock.Elapsed);
                }

                return $"Practitioner/{BenchClinician}";
            });

            foreach (var set in FeatureSets.All)
            {
                // The research read alone (the training below reads again): consent decisions, decryption, audit.
                var clock = Stopwatch.StartNew();
                var cohort = new CohortReader(node.Fhir, node.Vault, node.Ledger).Read(ModelCommands.Researcher(node), set, requireAllFeatures: false, ct);
                Timed($"read the {set.Id} cohort through the door for research ({cohort.Summary.Candidates} candidates, {cohort.Records().Count} records used)",
                    cohort.Summary.Included, clock.Elapsed);
            }

            foreach (var (set, kind) in new[] { (FeatureSets.Pima, ModelKind.LogisticRegression), (FeatureSets.Wdbc, ModelKind.LogisticRegression), (FeatureSets.Pima, ModelKind.FastTree), (FeatureSets.Wdbc, ModelKind.FastTree) })
            {
                var name = $"{set.Id}-{(kind == ModelKind.FastTree ? "fast-tree" : "logistic-regression")}";
                var clock = Stopwatch.StartNew();
                var trained = await AnsiConsole.Status().StartAsync($"training {name}", async _ =>
                    await ai.Training.TrainAsync(ModelCommands.Researcher(node), new TrainingRequest(set, kind, name, "1.0.0"), ct));
                var took = clock.Elapsed;
                if (!trained.Gate.Passed)
                {
                    await ai.Registry.OverrideAsync(trained.Model.Id, "benchmark node", node.Ledger.Keys.Organisation, ct);
                }

                Timed(string.Create(CultureInfo.InvariantCulture,
                    $"train {name}: cohort read through the door, 10-fold CV (AUROC {trained.Model.Card.Metrics.MeanAuroc:0.000}), bias audit, fit, register"),
                    trained.Model.Card.Cohort?.Included ?? 0, took);
            }

            var clinician = new FhirCaller(
                new CallerContext("bench-clinician-account", CareLedgerRole.Clinician, FhirReference.Parse(practitioner), node.Config.OrganisationName, null,
                    ScopeSet.Parse("user/*.rs"), "careledger-bench").ToAccessor(),
                AccessContext.Default);
            var n = parse.GetValue(predictions);
            foreach (var set in FeatureSets.All)
            {
                var patients = Treated(set, parse.GetValue(rows));
                var model = $"{set.Id}-logistic-regression";
                await ai.Inference.PredictAsync(clinician, model, patients[0], BenchBaseUrl, ct); // warm: first load of the model
                var latencies = new List<double>(n);
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < n; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    await ai.Inference.PredictAsync(clinician, model, patients[i % patients.Count], BenchBaseUrl, ct);
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }

                Latency($"predict in process, {model} (up to {set.Features.Count} Observations read), 1 client", LatencyFigures.From(latencies, clock.Elapsed));
            }

            await AnsiConsole.Status().StartAsync("the same over HTTP", async _ =>
            {
                foreach (var figure in await PredictOverHttpAsync(node, practitioner, parse.GetValue(rows), n, parse.GetValue(clients), ct))
                {
                    Latency(figure.Name, figure.Figures);
                }
            });
            lines.ForEach(Console.WriteLine);
            Console.WriteLine($"{Environment.ProcessorCount} cores, load average {LoadAverage()} at the end");
            return 0;
        });
        bench.Subcommands.Add(command);
    }

    /// <summary>Patients of the loaded rows whose treatment consent names the bench clinician.</summary>
    private static List<string> Treated(FeatureSet set, int? rows)
    {
        var count = Math.Min(rows ?? int.MaxValue, set.Id == "wdbc" ? 569 : 768);
        return [.. Enumerable.Range(0, count).Where(DemoConsents.HasTreatmentConsent).Select(r => DemoCohortLoader.PatientId(set, r))];
    }

    private static async Task<List<(string Name, LatencyFigures Figures)>> PredictOverHttpAsync(CareLedgerNode node, string practitioner, int? rows, int n, int clients, CancellationToken ct)
    {
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await using (var store = await IdentityStore.OpenAsync(node.Paths.DataDirectory, ct))
        {
            await store.AddUserAsync(new NewUser("bench.clinician", CareLedgerRole.Clinician, practitioner, password), ct);
            await store.AddClientAsync(new ClientRegistration(BenchApp, ClientKind.App) { RedirectUris = [BenchAppRedirect], AllowedScopes = "openid fhirUser user/*.rs" }, ct);
        }

        await using var app = NodeHost.Build(node, "http://127.0.0.1:0");
        await app.StartAsync(ct);
        var baseUrl = new Uri(NodeHost.BoundAddresses(app)[0]);
        var token = await CodeFlowSignIn.AccessTokenAsync(baseUrl, BenchApp, BenchAppRedirect, "openid fhirUser user/*.rs", "bench.clinician", password, ct);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients };
        using var http = new HttpClient(handler) { BaseAddress = baseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var figures = new List<(string, LatencyFigures)>();
        foreach (var set in FeatureSets.All)
        {
            var patients = Treated(set, rows);
            var model = $"{set.Id}-logistic-regression";
            await PredictAsync(http, patients[0], model, ct);
            var latencies = new List<double>(n);
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await PredictAsync(http, patients[i % patients.Count], model, ct);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            figures.Add(($"GET /fhir/Patient/{{id}}/$predict over HTTP, {model}, 1 client", LatencyFigures.From(latencies, clock.Elapsed)));
        }

        var pima = Treated(FeatureSets.Pima, rows);
        var concurrent = new ConcurrentBag<double>();
        var all = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < n; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await PredictAsync(http, pima[(c * 97 + i) % pima.Count], "pima-logistic-regression", ct);
                concurrent.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }, ct)));
        figures.Add(($"GET /fhir/Patient/{{id}}/$predict over HTTP, pima-logistic-regression, {clients} clients", LatencyFigures.From([.. concurrent], all.Elapsed)));
        await app.StopAsync(ct);
        return figures;
    }

    private static async Task PredictAsync(HttpClient http, string patient, string model, CancellationToken ct)
    {
        using var response = await http.GetAsync(new Uri($"/fhir/Patient/{patient}/$predict?model={model}", UriKind.Relative), ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new CliException($"$predict for Patient/{patient} answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
