using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CareLedger.Access.Audit;
using CareLedger.Access.Gate;
using CareLedger.Ledger.Transactions;
using CareLedger.Tests.Fhir;
using Hl7.Fhir.Model;

namespace CareLedger.Tests.AccessApi;

/// <summary>The compliance reports: HIPAA accounting of disclosures, GDPR export and erasure.</summary>
public sealed class ComplianceEndpointsTests
{
    [Fact]
    public async System.Threading.Tasks.Task The_accounting_lists_disclosures_to_others_but_not_to_the_patient_writes_or_refusals_as_json_and_csv()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        host.Fhir.Service.Read(FhirTestNode.System, "Observation", "o-p-1");
        using var patient = host.As(Person.Patient("p-1"));
        using var guardian = host.As(Person.Guardian("g-1", "p-1"));
        Assert.Equal(HttpStatusCode.OK, (await patient.GetAsync("fhir/Condition/c-p-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await guardian.GetAsync("fhir/Condition/c-p-1")).StatusCode);
        await host.SettleAuditAsync();
        var systemRead = Assert.Single(host.Node.Audit.Query(new AuditQuery { AccessorSubject = "fhir-tests", Action = AccessAction.Read }));

        var json = await AccessApiHost.JsonAsync(await patient.GetAsync("compliance/accounting?patient=p-1"));
        using var csvRequest = new HttpRequestMessage(HttpMethod.Get, "compliance/accounting?patient=p-1");
        csvRequest.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var csv = await host.As(Person.PrivacyOfficer).SendAsync(csvRequest);

        var line = Assert.Single(json.GetProperty("disclosures").EnumerateArray());
        Assert.Equal(systemRead.Record.Id.ToString(), line.GetProperty("auditId").GetString());
        Assert.Equal(("fhir-tests", "system", "Test Hospital", "TREAT (treatment)"),
            (line.GetProperty("recipient").GetString(), line.GetProperty("recipientRole").GetString(),
                line.GetProperty("recipientOrganisation").GetString(), line.GetProperty("purpose").GetString()));
        Assert.Equal("read Observation/o-p-1: 1 record disclosed", line.GetProperty("description").GetString());
        Assert.True(json.GetProperty("from").GetDateTimeOffset() < DateTimeOffset.UtcNow.AddYears(-6).AddMinutes(1));
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var rows = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("date,recipient,recipient_role,recipient_organisation,purpose,description,audit_id,break_glass", rows[0]);
        Assert.EndsWith($",fhir-tests,system,Test Hospital,TREAT (treatment),read Observation/o-p-1: 1 record disclosed,{systemRead.Record.Id},false", Assert.Single(rows[1..]), StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task Only_the_patient_and_the_privacy_officer_get_the_accounting()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        await host.SeedPatientAsync("p-2");
        using var officer = host.As(Person.PrivacyOfficer);

        await AccessApiHost.ProblemAsync(await host.As(Person.Patient("p-2")).GetAsync("compliance/accounting?patient=p-1"), HttpStatusCode.Forbidden);
        await AccessApiHost.ProblemAsync(await host.As(Person.Clinician("dr-1")).GetAsync("compliance/accounting?patient=p-1"), HttpStatusCode.Forbidden);
        await AccessApiHost.ProblemAsync(await host.As(Person.Guardian("g-1", "p-1")).GetAsync("compliance/accounting?patient=p-1"), HttpStatusCode.Forbidden);
        await AccessApiHost.ProblemAsync(await officer.GetAsync("compliance/accounting"), HttpStatusCode.BadRequest);
        await AccessApiHost.ProblemAsync(await officer.GetAsync("compliance/accounting?patient=p-9"), HttpStatusCode.NotFound);
        Assert.Equal("p-1", (await AccessApiHost.JsonAsync(await officer.GetAsync("compliance/accounting?patient=p-1"))).GetProperty("patient").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().GetAsync("compliance/accounting?patient=p-1")).StatusCode);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_patients_GDPR_export_holds_their_records_access_log_delegations_and_notifications_and_is_audited()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        await host.SeedPatientAsync("p-2");
        using var patient = host.As(Person.Patient("p-1"));
        Assert.Equal(HttpStatusCode.Created, (await patient.PostAsync("access/delegations",
            AccessApiHost.Json("""{"delegate":"RelatedPerson/g-1","kind":"caregiver"}"""))).StatusCode);
        await host.SettleAuditAsync();

        using var response = await patient.GetAsync("fhir/Patient/p-1/$gdpr-export");

        var bundle = await FhirTestNode.ReadAsync<Bundle>(response);
        Assert.Equal(Bundle.BundleType.Collection, bundle.Type);
        var records = bundle.Entry.Select(e => e.Resource!).Where(r => r is not (OperationOutcome or AuditEvent or Binary)).Select(r => $"{r.TypeName}/{r.Id}");
        Assert.Equal(["Condition/c-p-1", "Immunization/i-p-1", "Observation/o-p-1", "Patient/p-1"], records.Order(StringComparer.Ordinal));
        Assert.NotEmpty(bundle.Entry.Select(e => e.Resource).OfType<AuditEvent>());
        Assert.All(bundle.Entry.Select(e => e.Resource).OfType<AuditEvent>(), e => Assert.Equal("Patient/p-1", e.Entity[0].What!.Reference));
        var binaries = bundle.Entry.Select(e => e.Resource).OfType<Binary>().ToDictionary(b => b.Id!);
        using var delegations = JsonDocument.Parse(binaries["delegations"].Data);
        Assert.Equal("RelatedPerson/g-1", Assert.Single(delegations.RootElement.GetProperty("delegations").EnumerateArray()).GetProperty("delegate").GetString());
        Assert.True(binaries.ContainsKey("notifications"));
        var summary = (OperationOutcome)bundle.Entry[0].Resource!;
        Assert.DoesNotContain(summary.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        await host.SettleAuditAsync();
        var export = Assert.Single(host.Node.Audit.Query(new AuditQuery { Action = AccessAction.Export, AccessorSubject = "acct-p-1" }));
        Assert.Equal((4, 0, "GDPR Art. 15/20 export"), (export.Record.Disclosed, export.Record.Withheld, export.Record.Detail));
    }

    [Fact]
    public async System.Threading.Tasks.Task The_privacy_officer_gets_the_export_with_every_record_withheld_and_others_are_refused()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        await host.SeedPatientAsync("p-2");

        using var byOfficer = await host.As(Person.PrivacyOfficer).GetAsync("fhir/Patient/p-1/$gdpr-export");
        using var byOther = await host.As(Person.Patient("p-2")).GetAsync("fhir/Patient/p-1/$gdpr-export");
        using var byClinician = await host.As(Person.Clinician("dr-1")).GetAsync("fhir/Patient/p-1/$gdpr-export");
        using var unknown = await host.As(Person.PrivacyOfficer).GetAsync("fhir/Patient/p-9/$gdpr-export");

        var bundle = await FhirTestNode.ReadAsync<Bundle>(byOfficer);
        Assert.DoesNotContain(bundle.Entry, e => e.Resource is Patient or Observation or Condition or Immunization);
        Assert.Contains(((OperationOutcome)bundle.Entry[0].Resource!).Issue, i => i.Diagnostics!.StartsWith("4 resources were withheld", StringComparison.Ordinal));
        await AccessApiHost.ProblemAsync(byOther, HttpStatusCode.Forbidden);
        await AccessApiHost.ProblemAsync(byClinician, HttpStatusCode.Forbidden);
        await AccessApiHost.ProblemAsync(unknown, HttpStatusCode.NotFound);
    }

    [Fact]
    public async System.Threading.Tasks.Task Erasure_needs_the_confirmation_and_the_right_caller_then_shreds_and_names_the_tombstone()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        await host.SeedPatientAsync("p-2");
        var pseudonym = host.Node.Gate.PseudonymOf("p-1")!;
        using var patient = host.As(Person.Patient("p-1"));

        using var unconfirmed = await patient.PostAsync("fhir/Patient/p-1/$erase", AccessApiHost.Json("""{"confirm":"yes"}"""));
        using var noBody = await patient.PostAsync("fhir/Patient/p-1/$erase", AccessApiHost.Json("erase"));
        using var byOther = await host.As(Person.Patient("p-2")).PostAsync("fhir/Patient/p-1/$erase", AccessApiHost.Json("""{"confirm":"erase"}"""));
        using var byClinician = await host.As(Person.Clinician("dr-1")).PostAsync("fhir/Patient/p-1/$erase", AccessApiHost.Json("""{"confirm":"erase"}"""));
        using var badId = await patient.PostAsync("fhir/Patient/p%201/$erase", AccessApiHost.Json("""{"confirm":"erase"}"""));
        Assert.Contains("{\"confirm\":\"erase\"}", await AccessApiHost.ProblemAsync(unconfirmed, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        await AccessApiHost.ProblemAsync(noBody, HttpStatusCode.BadRequest);
        await AccessApiHost.ProblemAsync(byOther, HttpStatusCode.Forbidden);
        await AccessApiHost.ProblemAsync(byClinician, HttpStatusCode.Forbidden);
        await AccessApiHost.ProblemAsync(badId, HttpStatusCode.BadRequest);
        Assert.False(host.Node.Ledger.State.IsPatientErased(pseudonym));
        Assert.Equal(HttpStatusCode.OK, (await patient.GetAsync("fhir/Condition/c-p-1")).StatusCode);

        using var erased = await patient.PostAsync("fhir/Patient/p-1/$erase", AccessApiHost.Json("""{"confirm":"erase"}"""));
        using var twice = await host.As(Person.PrivacyOfficer).PostAsync("fhir/Patient/p-1/$erase", AccessApiHost.Json("""{"confirm":"erase"}"""));

        var outcome = await FhirTestNode.ReadAsync<OperationOutcome>(erased);
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.StartsWith("Patient/p-1 erased (GDPR Art. 17): 4 resources (4 versions) crypto-shredded", outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
        Assert.True(host.Node.Ledger.State.IsPatientErased(pseudonym));
        Assert.Null(host.Node.Gate.PseudonymOf("p-1"));
        var tombstoneLeaf = long.Parse(outcome.Issue[1].Diagnostics!.Split(" at leaf ")[1].Split(';')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TxType.PatientErased, host.Node.Ledger.ReadTransaction(tombstoneLeaf).Transaction.Type);
        Assert.Contains("no records of patient p-1", await AccessApiHost.ProblemAsync(twice, HttpStatusCode.NotFound), StringComparison.Ordinal);
        Assert.NotNull(host.Node.Gate.PseudonymOf("p-2"));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_privacy_officer_may_erase_any_patient()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");

        using var erased = await host.As(Person.PrivacyOfficer).PostAsync("fhir/Patient/p-1/$erase", AccessApiHost.Json("""{"confirm":"erase"}"""));

        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.Null(host.Node.Gate.PseudonymOf("p-1"));
    }
}
