using System.Net;
using CareLedger.Access.Audit;
using CareLedger.Access.Audit.Fhir;
using CareLedger.Access.Audit.Receipts;
using CareLedger.AccessApi;
using CareLedger.Tests.Fhir;
using Hl7.Fhir.Model;

namespace CareLedger.Tests.AccessApi;

/// <summary>The access log over FHIR: who may read which entries, the filters, and the receipts that verify offline.</summary>
public sealed class AuditEventEndpointsTests
{
    [Fact]
    public async System.Threading.Tasks.Task A_patient_lists_who_accessed_their_data_newest_first_each_entry_linked_to_its_receipt()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        host.Fhir.Service.Read(FhirTestNode.System, "Observation", "o-p-1");
        using var patient = host.As(Person.Patient("p-1"));
        Assert.Equal(HttpStatusCode.OK, (await patient.GetAsync("fhir/Condition/c-p-1")).StatusCode);
        await host.SettleAuditAsync();

        using var response = await patient.GetAsync("fhir/AuditEvent");

        var bundle = await FhirTestNode.ReadAsync<Bundle>(response);
        Assert.Equal(Bundle.BundleType.Searchset, bundle.Type);
        var events = bundle.Entry.Select(e => (AuditEvent)e.Resource!).ToList();
        Assert.Contains(events, e => e.Agent[0].AltId == "fhir-tests" && e.Entity.Any(x => x.What?.Reference == "Observation/o-p-1"));
        Assert.Contains(events, e => e.Agent[0].AltId == "acct-p-1" && e.Entity.Any(x => x.What?.Reference == "Condition/c-p-1"));
        Assert.All(events, e => Assert.Equal("Patient/p-1", e.Entity[0].What!.Reference));
        Assert.Equal(events.Select(e => e.Recorded).OrderDescending(), events.Select(e => e.Recorded));
        Assert.All(bundle.Entry, e =>
        {
            var receipt = Assert.Single(e.Link, l => l.Relation == AuditEventEndpoints.ReceiptRelation);
            Assert.Equal($"http://localhost/access/audit/{e.Resource!.Id}/receipt", receipt.Url);
            Assert.Equal($"http://localhost/fhir/AuditEvent/{e.Resource.Id}", e.FullUrl);
        });
    }

    [Fact]
    public async System.Threading.Tasks.Task A_patient_never_sees_another_patients_entries()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        await host.SeedPatientAsync("p-2");
        host.Fhir.Service.Read(FhirTestNode.System, "Observation", "o-p-2");
        await host.SettleAuditAsync();
        var otherEntry = host.Node.Audit.ForPatient(host.Node.Gate.PseudonymOf("p-2")!, null, 10)[0];
        using var patient = host.As(Person.Patient("p-1"));

        using var own = await patient.GetAsync("fhir/AuditEvent?_count=1000");
        using var other = await patient.GetAsync("fhir/AuditEvent?patient=p-2");
        using var otherById = await patient.GetAsync($"fhir/AuditEvent/{otherEntry.Record.Id}");
        using var otherReceipt = await patient.GetAsync($"access/audit/{otherEntry.Record.Id}/receipt");

        var ownIds = (await FhirTestNode.ReadAsync<Bundle>(own)).Entry.Select(e => e.Resource!.Id!).ToHashSet();
        var expected = host.Node.Audit.ForPatient(host.Node.Gate.PseudonymOf("p-1")!, null, 1000).Select(e => e.Record.Id.ToString("D"));
        Assert.Equal(expected.ToHashSet(), ownIds);
        Assert.DoesNotContain(otherEntry.Record.Id.ToString("D"), ownIds);
        Assert.Contains("only their own access log", await AccessApiHost.ProblemAsync(other, HttpStatusCode.Forbidden), StringComparison.Ordinal);
        await AccessApiHost.ProblemAsync(otherById, HttpStatusCode.NotFound);
        await AccessApiHost.ProblemAsync(otherReceipt, HttpStatusCode.NotFound);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_receipt_from_the_api_verifies_offline_with_the_log_key_alone()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        using var patient = host.As(Person.Patient("p-1"));
        Assert.Equal(HttpStatusCode.OK, (await patient.GetAsync("fhir/Observation/o-p-1")).StatusCode);
        await host.SettleAuditAsync();
        var entry = (await FhirTestNode.ReadAsync<Bundle>(await patient.GetAsync("fhir/AuditEvent?_count=1"))).Entry[0];

        using var response = await patient.GetAsync(entry.Link[0].Url);
        using var read = await patient.GetAsync($"fhir/AuditEvent/{entry.Resource!.Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipt = AuditReceipts.Parse(await response.Content.ReadAsStringAsync());
        var check = AuditReceipts.Verify(receipt, host.Node.Ledger.Keys.Log.VerifierKey.ToVkey());
        Assert.True(check.Valid, string.Join("; ", check.Problems));
        Assert.Equal(entry.Resource.Id, check.Record!.Id.ToString("D"));
        var single = await FhirTestNode.ReadAsync<AuditEvent>(read);
        var anchor = single.Extension.Single(e => e.Url == AuditEvents.AnchorExtensionUrl);
        Assert.Equal(entry.Link[0].Url, ((FhirUrl)anchor.Extension.Single(e => e.Url == AuditEventEndpoints.ReceiptRelation).Value!).Value);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_privacy_officer_reads_everyone_filtered_by_agent_outcome_break_glass_and_date()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        host.Fhir.Service.Read(FhirTestNode.System, "Observation", "o-p-1");
        using var guardian = host.As(Person.Guardian("g-1", "p-1"));
        Assert.Equal(HttpStatusCode.Forbidden, (await guardian.GetAsync("fhir/Observation/o-p-1")).StatusCode);
        await host.SettleAuditAsync();
        using var officer = host.As(Person.PrivacyOfficer);

        var denials = await SearchAsync(officer, "fhir/AuditEvent?outcome=deny");
        var bySystem = await SearchAsync(officer, "fhir/AuditEvent?agent=fhir-tests&patient=p-1");
        var breakGlass = await SearchAsync(officer, "fhir/AuditEvent?break-glass=true");
        var future = await SearchAsync(officer, $"fhir/AuditEvent?date=ge{DateTime.UtcNow.AddDays(1):yyyy-MM-dd}");
        var past = await SearchAsync(officer, $"fhir/AuditEvent?date=lt{DateTime.UtcNow.AddDays(1):yyyy-MM-dd}&date=ge2020");

        var denial = Assert.Single(denials);
        Assert.Equal(AuditEvent.AuditEventOutcome.N8, denial.Outcome);
        Assert.Equal("acct-g-1", denial.Agent[0].AltId);
        var pseudonym = Convert.ToHexStringLower(host.Node.Gate.PseudonymOf("p-1")!);
        Assert.Equal(pseudonym, denial.Entity[0].What!.Identifier!.Value);
        Assert.NotEmpty(bySystem);
        Assert.All(bySystem, e => Assert.Equal("fhir-tests", e.Agent[0].AltId));
        Assert.All(bySystem, e => Assert.Equal("Patient/p-1", e.Entity[0].What!.Reference));
        Assert.Empty(breakGlass);
        Assert.Empty(future);
        Assert.Equal(host.Node.Audit.Query(new AuditQuery { Limit = 1000 }).Count, past.Count);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_guardian_reads_the_log_and_notifications_only_while_a_delegation_from_the_patient_is_in_force()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        await host.SettleAuditAsync();
        using var guardian = host.As(Person.Guardian("g-1", "p-1"));
        using var patient = host.As(Person.Patient("p-1"));

        using var before = await guardian.GetAsync("fhir/AuditEvent");
        using var granted = await patient.PostAsync("access/delegations", AccessApiHost.Json("""{"delegate":"RelatedPerson/g-1","kind":"guardian"}"""));
        using var during = await guardian.GetAsync("fhir/AuditEvent?patient=p-1");
        using var notificationsDuring = await guardian.GetAsync("access/notifications");
        var id = (await AccessApiHost.JsonAsync(granted)).GetProperty("id").GetString();
        using var revoked = await patient.PostAsync($"access/delegations/{id}/$revoke", null);
        using var after = await guardian.GetAsync("fhir/AuditEvent");
        using var notificationsAfter = await guardian.GetAsync("access/notifications");

        Assert.Contains("delegation", await AccessApiHost.ProblemAsync(before, HttpStatusCode.Forbidden), StringComparison.Ordinal);
        Assert.NotEmpty((await FhirTestNode.ReadAsync<Bundle>(during)).Entry);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        await AccessApiHost.ProblemAsync(after, HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, notificationsDuring.StatusCode);
        await AccessApiHost.ProblemAsync(notificationsAfter, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async System.Threading.Tasks.Task Clinicians_and_researchers_are_refused_with_403_and_callers_without_a_token_with_401()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        using var clinician = host.As(Person.Clinician("dr-1"));
        using var researcher = host.As(Person.Researcher);
        using var anonymous = host.Anonymous();

        Assert.Contains("role clinician", await AccessApiHost.ProblemAsync(await clinician.GetAsync("fhir/AuditEvent?patient=p-1"), HttpStatusCode.Forbidden), StringComparison.Ordinal);
        await AccessApiHost.ProblemAsync(await researcher.GetAsync("fhir/AuditEvent"), HttpStatusCode.Forbidden);
        await AccessApiHost.ProblemAsync(await clinician.GetAsync($"access/audit/{Guid.NewGuid()}/receipt"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("fhir/AuditEvent")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"access/audit/{Guid.NewGuid()}/receipt")).StatusCode);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_malformed_search_is_refused_with_400_naming_the_problem_before_anyone_is_looked_up()
    {
        await using var host = await AccessApiHost.StartAsync();
        using var officer = host.As(Person.PrivacyOfficer);
        using var clinician = host.As(Person.Clinician("dr-1"));

        Assert.Contains("'subtype' is not a supported AuditEvent search parameter",
            await AccessApiHost.ProblemAsync(await officer.GetAsync("fhir/AuditEvent?subtype=read"), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Contains("not a FHIR date search",
            await AccessApiHost.ProblemAsync(await officer.GetAsync("fhir/AuditEvent?date=yesterday"), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        await AccessApiHost.ProblemAsync(await clinician.GetAsync("fhir/AuditEvent?_count=0"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async System.Threading.Tasks.Task Unknown_and_malformed_AuditEvent_ids_are_404()
    {
        await using var host = await AccessApiHost.StartAsync();
        using var officer = host.As(Person.PrivacyOfficer);

        await AccessApiHost.ProblemAsync(await officer.GetAsync($"fhir/AuditEvent/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
        await AccessApiHost.ProblemAsync(await officer.GetAsync("fhir/AuditEvent/not-a-guid"), HttpStatusCode.NotFound);
        await AccessApiHost.ProblemAsync(await officer.GetAsync("access/audit/not-a-guid/receipt"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async System.Threading.Tasks.Task The_access_log_cannot_be_written_through_the_FHIR_api()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        using var patient = host.As(Person.Patient("p-1"));
        var forged = FhirTestNode.Json(new AuditEvent { Id = Guid.NewGuid().ToString("D"), Recorded = DateTimeOffset.UtcNow });

        using var created = await patient.PostAsync("fhir/AuditEvent", forged);
        using var updated = await patient.PutAsync($"fhir/AuditEvent/{Guid.NewGuid()}", forged);
        using var deleted = await patient.DeleteAsync($"fhir/AuditEvent/{Guid.NewGuid()}");

        Assert.Contains("read-only", await AccessApiHost.ProblemAsync(created, HttpStatusCode.MethodNotAllowed), StringComparison.Ordinal);
        await AccessApiHost.ProblemAsync(updated, HttpStatusCode.MethodNotAllowed);
        await AccessApiHost.ProblemAsync(deleted, HttpStatusCode.MethodNotAllowed);
        Assert.Empty(host.Fhir.Service.Repository.Query(new Vault.Search.VaultQuery("AuditEvent")).Records);
    }

    private static async Task<List<AuditEvent>> SearchAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        return [.. (await FhirTestNode.ReadAsync<Bundle>(response)).Entry.Select(e => (AuditEvent)e.Resource!)];
    }
}
