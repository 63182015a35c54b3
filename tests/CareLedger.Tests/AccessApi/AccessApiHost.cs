using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CareLedger.AccessApi;
using CareLedger.Access.Credentials;
using CareLedger.Fhir;
using CareLedger.Identity;
using CareLedger.Node;
using CareLedger.Tests.Fhir;
using CareLedger.Tests.Identity;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CareLedger.Tests.AccessApi;

/// <summary>
/// A real node (<see cref="FhirTestNode"/>) behind an in-memory HTTP host mapped as the node's host maps it: the
/// authorisation server, the access API, then the generic FHIR API. People call it with access tokens signed by the
/// node's own token key, as its token endpoint would issue them.
/// </summary>
internal sealed class AccessApiHost : IAsyncDisposable
{
    public const string Organisation = "Test Hospital";
    private static readonly Uri Issuer = new("http://localhost/");

    private readonly WebApplication app;

    private AccessApiHost(FhirTestNode fhir, WebApplication app)
    {
        Fhir = fhir;
        this.app = app;
    }

    public FhirTestNode Fhir { get; }

    public CareLedgerNode Node => Fhir.Node;

    public static async Task<AccessApiHost> StartAsync()
    {
        var fhir = await FhirTestNode.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(fhir.Node);
        builder.Services.AddCareLedgerIdentity(new IdentityOptions(fhir.DataDirectory) { Issuer = Issuer, Organisation = Organisation });
        builder.Services.AddCareLedgerFhir(fhir.Service);
        var app = builder.Build();
        app.UseCareLedgerIdentity();
        app.MapCareLedgerIdentity();
        app.MapCareLedgerAccess();
        app.MapCareLedgerFhir();
        await app.StartAsync();
        return new AccessApiHost(fhir, app);
    }

    /// <summary>A client calling as <paramref name="person"/>.</summary>
    public HttpClient As(Person person)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(person));
        return client;
    }

    public HttpClient Anonymous()
    {
        var client = app.GetTestClient();
        client.BaseAddress = Issuer;
        return client;
    }

    /// <summary>A patient's chart written by the custodian: the Patient, an Observation, an Immunization and a Condition.</summary>
    public async System.Threading.Tasks.Task SeedPatientAsync(string id)
    {
        var subject = new ResourceReference($"Patient/{id}");
        Resource[] chart =
        [
            new Patient { Id = id, Gender = AdministrativeGender.Female },
            new Observation
            {
                Id = $"o-{id}",
                Status = ObservationStatus.Final,
                Code = new CodeableConcept("http://loinc.org", "8867-4", "Heart rate"),
                Subject = subject,
            },
            new Immunization
            {
                Id = $"i-{id}",
                Status = Immunization.ImmunizationStatusCodes.Completed,
                VaccineCode = new CodeableConcept("http://hl7.org/fhir/sid/cvx", "140", "Influenza"),
                Patient = subject,
                Occurrence = new FhirDateTime("2025-10-01"),
            },
            new Condition
            {
                Id = $"c-{id}",
                Code = new CodeableConcept("http://snomed.info/sct", "44054006", "Diabetes mellitus type 2"),
                Subject = subject,
            },
        ];
        foreach (var resource in chart)
        {
            await Fhir.Service.UpdateAsync(FhirTestNode.System, resource.TypeName, resource.Id!, resource, null, CancellationToken.None);
        }
    }

    /// <summary>Every decision so far is written and anchored, so the access log shows it.</summary>
    public System.Threading.Tasks.Task SettleAuditAsync() => Node.Audit.FlushAsync(CancellationToken.None);

    /// <summary>A valid licence on the ledger, so that the practitioner may act as a clinician (and break the glass).</summary>
    public async System.Threading.Tasks.Task LicenseAsync(string practitioner)
    {
        var board = await Node.Credentials.EnsureIssuerKeyAsync(ct: CancellationToken.None);
        await Node.Credentials.IssueAsync(board, $"Practitioner/{practitioner}", new PractitionerLicence("MED-000001", "emergency medicine"),
            DateTimeOffset.UtcNow.AddYears(1), CancellationToken.None);
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts the status and that the body is an OperationOutcome; returns its diagnostics joined.</summary>
    public static async Task<string> ProblemAsync(HttpResponseMessage response, System.Net.HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        var outcome = await FhirTestNode.OutcomeAsync(response);
        return string.Join(" | ", outcome.Issue.Select(i => i.Diagnostics));
    }

    private string TokenFor(Person person)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = person.Subject,
            ["role"] = person.Role.ToName(),
            ["scope"] = person.Scope,
            ["client_id"] = "portal",
            ["organisation"] = Organisation,
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        if (person.FhirUser is not null)
        {
            claims["fhirUser"] = new Uri(Issuer, "fhir/" + person.FhirUser).AbsoluteUri;
        }

        if (person.PatientContext is not null)
        {
            claims["patient"] = person.PatientContext;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer.AbsoluteUri,
            Audience = new Uri(Issuer, "fhir").AbsoluteUri,
            NotBefore = now.AddMinutes(-1),
            IssuedAt = now.AddMinutes(-1),
            Expires = now.AddMinutes(10),
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(TokenMinter.NodeKey(Fhir.DataDirectory), SecurityAlgorithms.RsaSha256),
            Claims = claims,
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        await Fhir.DisposeAsync();
    }
}
