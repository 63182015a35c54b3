using System.Net.Http.Headers;
using System.Text;
using CareLedger.Access.Audit;
using CareLedger.Access.Credentials;
using CareLedger.Ai;
using CareLedger.Ai.Data;
using CareLedger.Ai.Training;
using CareLedger.Analytics.Deployment;
using CareLedger.Analytics.Training;
using CareLedger.Cli;
using CareLedger.Fhir;
using CareLedger.Node;
using CareLedger.Tests.Fhir;
using CareLedger.Tests.Identity;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace CareLedger.Tests.Ai;

/// <summary>
/// A real node with the first <see cref="Rows"/> Pima and WDBC rows loaded as demo patients (through the FHIR write path,
/// with their consents), a credentialed clinician named in the treatment consents and one who is not, a predictive
/// (Pima) and a diagnostic (WDBC) logistic model trained through the access layer and registered on the ledger, and the
/// node's own HTTP host (<see cref="NodeHost.Build"/>) on a loopback port chosen at run time. The node's deployment gate
/// is set (and anchored) to ask only AUROC ≥ 0.5: a 54-patient model is not held to the production fairness limits;
/// the gate itself is tested with stricter policies in <see cref="ModelRegistryTests"/>.
/// </summary>
public sealed class AiTestHost : IAsyncLifetime
{
    public const int Rows = 60;
    public const string Organisation = "Test Hospital";
    public const string TreatingPractitioner = "dr-ai";
    public const string OtherPractitioner = "dr-other";
    public const string ModelName = "pima-test";
    public const string ModelId = ModelName + "@1.0.0";
    public const string DiagnosticModelName = "wdbc-test";
    public const string DiagnosticModelId = DiagnosticModelName + "@1.0.0";

    public static readonly GatePolicy TestGate = new() { MinAuroc = 0.5, MaxEqualizedOddsDifference = null };

    private WebApplication? app;

    internal FhirTestNode Fhir { get; private set; } = null!;

    internal CareLedgerNode Node => Fhir.Node;

    internal AiServices Services { get; private set; } = null!;

    internal TrainingResult Trained { get; private set; } = null!;

    internal TrainingResult TrainedDiagnostic { get; private set; } = null!;

    internal DemoLoadReport Loaded { get; private set; } = null!;

    /// <summary>The node's base address, e.g. <c>http://127.0.0.1:41234/</c> (also the token issuer).</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public async System.Threading.Tasks.Task InitializeAsync()
    {
        Fhir = await FhirTestNode.StartAsync();
        foreach (var practitioner in new[] { TreatingPractitioner, OtherPractitioner })
        {
            await Fhir.Service.UpdateAsync(FhirTestNode.System, "Practitioner", practitioner,
                new Practitioner { Id = practitioner, Active = true }, null, CancellationToken.None);
            var board = await Node.Credentials.EnsureIssuerKeyAsync(ct: CancellationToken.None);
            await Node.Credentials.IssueAsync(board, $"Practitioner/{practitioner}", new PractitionerLicence("MED-" + practitioner, "internal medicine"),
                DateTimeOffset.UtcNow.AddYears(1), CancellationToken.None);
        }

        Loaded = await LoadAsync(FeatureSets.Pima);
        await LoadAsync(FeatureSets.Wdbc);
        using (var setup = AiServices.Create(Node))
        {
            await setup.Registry.SetPolicyAsync(TestGate, CancellationToken.None);
        }

        app = NodeHost.Build(Node, "http://127.0.0.1:0");
        await app.StartAsync();
        BaseAddress = new Uri(NodeHost.BoundAddresses(app)[0].TrimEnd('/') + "/");
        Services = app.Services.GetRequiredService<AiServices>();
        Trained = await Services.Training.TrainAsync(ModelCommands.Researcher(Node),
            new TrainingRequest(FeatureSets.Pima, ModelKind.LogisticRegression, ModelName, "1.0.0", Folds: 5), CancellationToken.None);
        TrainedDiagnostic = await Services.Training.TrainAsync(ModelCommands.Researcher(Node),
            new TrainingRequest(FeatureSets.Wdbc, ModelKind.LogisticRegression, DiagnosticModelName, "1.0.0", Folds: 5), CancellationToken.None);
    }

    /// <summary>Loads (again) the fixture's Pima rows; idempotent.</summary>
    internal Task<DemoLoadReport> LoadPimaAsync() => LoadAsync(FeatureSets.Pima);

    private Task<DemoLoadReport> LoadAsync(FeatureSet set) =>
        new DemoCohortLoader(Fhir.Service, FhirCaller.Custodian(Organisation, "ai-tests-loader"))
            .LoadAsync(set, DemoCohortLoader.ReadReference(set, AiCommands.ClinicalDataDirectory), Rows,
                $"Practitioner/{TreatingPractitioner}", null, CancellationToken.None);

    /// <summary>The id of the demo patient of a 0-based Pima row.</summary>
    internal static string PatientOfRow(int row) => DemoCohortLoader.PatientId(FeatureSets.Pima, row);

    /// <summary>The id of the demo patient of a 0-based WDBC row.</summary>
    internal static string WdbcPatientOfRow(int row) => DemoCohortLoader.PatientId(FeatureSets.Wdbc, row);

    public HttpClient Clinician(string practitioner = TreatingPractitioner) =>
        Client(Token($"acct-{practitioner}", "clinician", "user/*.cruds", $"Practitioner/{practitioner}"));

    public HttpClient Researcher() => Client(Token("acct-researcher", "researcher", "user/*.rs", null));

    /// <summary>The custodian's own backend service (client credentials, <c>system/*.rs</c>): the door lets it read without consent.</summary>
    public HttpClient System() => Client(Token("ai-tests-system", "system", "system/*.rs", null));

    public HttpClient PrivacyOfficer() => Client(Token("acct-privacy", "privacy-officer", "user/*.rs", null));

    public HttpClient Anonymous() => new() { BaseAddress = BaseAddress };

    internal async Task<IReadOnlyList<AuditEntry>> AuditOfAsync(string subject)
    {
        await Node.Audit.FlushAsync(CancellationToken.None);
        return Node.Audit.Query(new AuditQuery { AccessorSubject = subject, Limit = AuditQuery.MaxLimit });
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private HttpClient Client(string token)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private string Token(string subject, string role, string scope, string? fhirUser) =>
        TokenMinter.MintFor(TokenMinter.NodeKey(Fhir.DataDirectory), BaseAddress.AbsoluteUri, new Uri(BaseAddress, "fhir").AbsoluteUri, subject, role, scope,
            fhirUser is null ? null : new Uri(BaseAddress, "fhir/" + fhirUser).AbsoluteUri, organisation: Organisation);

    public async System.Threading.Tasks.Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        await Fhir.DisposeAsync();
    }
}
