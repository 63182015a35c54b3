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
using CareLedger.Identity;
using CareLedger.LedgerApi;
using CareLedger.Node;
using CareLedger.Tests.Fhir;
using CareLedger.Tests.Identity;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CareLedger.Tests.Ai;

/// <summary>
/// A real node with the first <see cref="Rows"/> Pima rows loaded as demo patients (through the FHIR write path, with
/// their consents), a credentialed clinician named in the treatment consents and one who is not, a logistic model
/// trained through the access layer and registered on the ledger, and the HTTP host mapped as the node's host maps it
/// (identity, ledger, AI before FHIR). The gate here only asks AUROC ≥ 0.5 (a 54-patient model is not held to the
/// production fairness limits; the gate itself is tested with the default policy in <see cref="ModelRegistryTests"/>).
/// </summary>
public sealed class AiTestHost : IAsyncLifetime
{
    public const int Rows = 60;
    public const string Organisation = "Test Hospital";
    public const string TreatingPractitioner = "dr-ai";
    public const string OtherPractitioner = "dr-other";
    public const string ModelName = "pima-test";
    public const string ModelId = ModelName + "@1.0.0";

    public static readonly GatePolicy TestGate = new() { MinAuroc = 0.5, MaxEqualizedOddsDifference = null };

    private static readonly Uri Issuer = new("http://localhost/");

    private WebApplication? app;

    internal FhirTestNode Fhir { get; private set; } = null!;

    internal CareLedgerNode Node => Fhir.Node;

    internal AiServices Services { get; private set; } = null!;

    internal TrainingResult Trained { get; private set; } = null!;

    internal DemoLoadReport Loaded { get; private set; } = null!;

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

        Loaded = await LoadPimaAsync();

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(Node);
        builder.Services.AddCareLedgerIdentity(new IdentityOptions(Fhir.DataDirectory) { Issuer = Issuer, Organisation = Organisation });
        builder.Services.AddCareLedgerFhir(Fhir.Service);
        builder.Services.AddCareLedgerAi(Node, AiOptions.Default with { Gate = TestGate });
        app = builder.Build();
        app.UseCareLedgerIdentity();
        app.MapCareLedgerIdentity();
        app.MapLedgerEndpoints();
        app.MapCareLedgerAi();
        app.MapCareLedgerFhir();
        await app.StartAsync();
        Services = app.Services.GetRequiredService<AiServices>();
        Trained = await Services.Training.TrainAsync(ModelCommands.Researcher(Node),
            new TrainingRequest(FeatureSets.Pima, ModelKind.LogisticRegression, ModelName, "1.0.0", Folds: 5), CancellationToken.None);
    }

    /// <summary>Loads (again) the fixture's rows; idempotent.</summary>
    internal Task<DemoLoadReport> LoadPimaAsync() =>
        new DemoCohortLoader(Fhir.Service, FhirCaller.Custodian(Organisation, "ai-tests-loader"))
            .LoadAsync(FeatureSets.Pima, DemoCohortLoader.ReadReference(FeatureSets.Pima, AiCommands.ClinicalDataDirectory), Rows,
                $"Practitioner/{TreatingPractitioner}", null, CancellationToken.None);

    /// <summary>The id of the demo patient of a 0-based Pima row.</summary>
    internal static string PatientOfRow(int row) => DemoCohortLoader.PatientId(FeatureSets.Pima, row);

    public HttpClient Clinician(string practitioner = TreatingPractitioner) =>
        Client(Token($"acct-{practitioner}", "clinician", "user/*.cruds", $"Practitioner/{practitioner}"));

    public HttpClient Researcher() => Client(Token("acct-researcher", "researcher", "user/*.rs", null));

    public HttpClient Anonymous()
    {
        var client = app!.GetTestClient();
        client.BaseAddress = Issuer;
        return client;
    }

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
        TokenMinter.MintFor(TokenMinter.NodeKey(Fhir.DataDirectory), Issuer.AbsoluteUri, new Uri(Issuer, "fhir").AbsoluteUri, subject, role, scope,
            fhirUser is null ? null : new Uri(Issuer, "fhir/" + fhirUser).AbsoluteUri, organisation: Organisation);

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
