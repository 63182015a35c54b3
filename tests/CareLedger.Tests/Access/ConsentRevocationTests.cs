using System.Net;
using System.Net.Http.Headers;
using CareLedger.Access.Audit;
using CareLedger.Access.Credentials;
using CareLedger.Ledger.Transactions;
using CareLedger.Tests.Fhir;
using CareLedger.Tests.Identity;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Tests.Access;

/// <summary>
/// Grant and revoke (C4) end to end over HTTP: the patient's own Consent writes are ledger transactions signed with the
/// patient's key, and a revocation takes effect on the very next request, whose refusal is audited.
/// </summary>
public sealed class ConsentRevocationTests
{
    private const string Clinician = "Practitioner/rev-dr";

    [Fact]
    public async Task Revoking_consent_denies_the_very_next_read_and_the_refusal_is_audited()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var patientId = (await node.Service.CreateAsync(FhirTestNode.System, new Patient { BirthDate = "1975-05-05" }, null, CancellationToken.None)).Id;
        var observationId = (await node.Service.CreateAsync(FhirTestNode.System, new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "8867-4"),
            Subject = new ResourceReference($"Patient/{patientId}"),
        }, null, CancellationToken.None)).Id;
        await node.Service.UpdateAsync(FhirTestNode.System, "Practitioner", "rev-dr", new Practitioner { Id = "rev-dr" }, null, CancellationToken.None);
        var board = await node.Node.Credentials.EnsureIssuerKeyAsync("Revocation board", CancellationToken.None);
        await node.Node.Credentials.IssueAsync(board, Clinician, new PractitionerLicence("MD-9", "cardiology"), DateTimeOffset.UtcNow.AddYears(1), CancellationToken.None);

        var key = TokenMinter.NodeKey(node.DataDirectory);
        using var asPatient = Bearer(node, TokenMinter.MintFor(key, "http://localhost/", "http://localhost/fhir", "rev-patient", "patient",
            "launch/patient patient/*.rs patient/Consent.cruds", $"Patient/{patientId}", patientId, "Test Hospital"));
        using var asClinician = Bearer(node, TokenMinter.MintFor(key, "http://localhost/", "http://localhost/fhir", "rev-clinician", "clinician",
            "user/*.cruds", Clinician, null, "Test Hospital"));

        // Without consent (opt-in): refused.
        Assert.Equal(HttpStatusCode.Forbidden, (await asClinician.GetAsync($"Observation/{observationId}")).StatusCode);

        // The patient grants: a Consent written with their own token.
        var consent = Consent(patientId, Hl7.Fhir.Model.Consent.ConsentState.Active);
        using var granted = await asPatient.PostAsync("Consent", FhirTestNode.Json(consent));
        Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        var consentId = granted.Headers.Location!.ToString().Split('/')[^3];
        Assert.Equal(HttpStatusCode.OK, (await asClinician.GetAsync($"Observation/{observationId}")).StatusCode);

        // The patient revokes (status inactive); the very next read is refused.
        consent.Id = consentId;
        consent.Status = Hl7.Fhir.Model.Consent.ConsentState.Inactive;
        using var revoked = await asPatient.PutAsync($"Consent/{consentId}", FhirTestNode.Json(consent));
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        using var refused = await asClinician.GetAsync($"Observation/{observationId}");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.DoesNotContain("8867-4", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await node.SettleAuditAsync();
        var decisions = node.Node.Audit.Query(new AuditQuery { AccessorSubject = "rev-clinician", Limit = 10 });
        Assert.Equal([AuditOutcome.Deny, AuditOutcome.Permit, AuditOutcome.Deny], decisions.Select(d => d.Record.Outcome));
        Assert.All(decisions, d => Assert.True(d.IsAnchored));

        // Both consent changes are on the ledger signed by the patient's own key, bound to the patient.
        var authors = Enumerable.Range(0, (int)node.Ledger.Size).Select(i => node.Ledger.ReadTransaction(i).Transaction)
            .Where(t => t.Type == TxType.RecordsCommitted).Select(t => node.Ledger.State.FindKey(t.Author)!).ToList();
        Assert.Equal(2, authors.Count(k => k.Role == KeyRoles.Patient));
        Assert.Single(authors.Where(k => k.Role == KeyRoles.Patient).Select(k => k.Id).Distinct());
    }

    [Fact]
    public async Task A_consent_that_contradicts_itself_is_refused_with_its_problems_and_changes_nothing()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var patientId = (await node.Service.CreateAsync(FhirTestNode.System, new Patient(), null, CancellationToken.None)).Id;
        var key = TokenMinter.NodeKey(node.DataDirectory);
        using var asPatient = Bearer(node, TokenMinter.MintFor(key, "http://localhost/", "http://localhost/fhir", "bad-patient", "patient",
            "launch/patient patient/*.rs patient/Consent.cruds", $"Patient/{patientId}", patientId, "Test Hospital"));
        var consent = Consent(patientId, Hl7.Fhir.Model.Consent.ConsentState.Active);
        // A period that ends before it starts cannot be a provision of anything.
        consent.Provision!.Period = new Period { Start = "2026-01-01", End = "2025-01-01" };
        var before = node.RecordTransactionCount();

        using var response = await asPatient.PostAsync("Consent", FhirTestNode.Json(consent));

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, $"{(int)response.StatusCode}");
        var outcome = await FhirTestNode.OutcomeAsync(response);
        Assert.NotEmpty(outcome.Issue);
        Assert.Equal(before, node.RecordTransactionCount());
    }

    private static HttpClient Bearer(FhirTestNode node, string token)
    {
        var client = node.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static Hl7.Fhir.Model.Consent Consent(string patientId, Hl7.Fhir.Model.Consent.ConsentState status) => new()
    {
        Status = status,
        Scope = new CodeableConcept("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy"),
        Category = [new CodeableConcept("http://loinc.org", "59284-0")],
        Patient = new ResourceReference($"Patient/{patientId}"),
        Policy = [new Hl7.Fhir.Model.Consent.PolicyComponent { Uri = "https://careledger.org/policy/demo" }],
        Provision = new Hl7.Fhir.Model.Consent.provisionComponent
        {
            Type = Hl7.Fhir.Model.Consent.ConsentProvisionType.Permit,
            Actor =
            [
                new Hl7.Fhir.Model.Consent.provisionActorComponent
                {
                    Role = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP"),
                    Reference = new ResourceReference(Clinician),
                },
            ],
            Purpose = [new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT")],
        },
    };
}
