using System.Net;
using System.Text.Json;
using CareLedger.Access.Audit;
using CareLedger.Ledger.Transactions;
using CareLedger.Tests.Fhir;
using Hl7.Fhir.Model;

namespace CareLedger.Tests.AccessApi;

/// <summary>Delegations over HTTP: granted by the patient (their key) or a court order (node key), revoked forward-only, enforced by the gate.</summary>
public sealed class DelegationEndpointsTests
{
    [Fact]
    public async System.Threading.Tasks.Task A_patient_grants_a_delegation_signed_with_their_own_key_and_revokes_it_forward_only()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        using var patient = host.As(Person.Patient("p-1"));

        using var granted = await patient.PostAsync("access/delegations", AccessApiHost.Json("""
            {"delegate":"RelatedPerson/g-1","kind":"caregiver","period":{"start":"2026-01-01","end":"2099-12-31"},
             "actions":["access"],"classes":["Immunization","http://example.org/classes|vaccines"]}
            """));
        var grant = await AccessApiHost.JsonAsync(granted);
        var id = grant.GetProperty("id").GetString()!;
        using var revoked = await patient.PostAsync($"access/delegations/{id}/$revoke", null);
        using var again = await patient.PostAsync($"access/delegations/{id}/$revoke", null);
        var listed = (await AccessApiHost.JsonAsync(await patient.GetAsync("access/delegations"))).GetProperty("delegations");

        Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        Assert.Equal($"/access/delegations/{id}", granted.Headers.Location!.OriginalString);
        Assert.Equal(("p-1", "RelatedPerson/g-1", "caregiver", "patient", "active"),
            (grant.GetProperty("patient").GetString(), grant.GetProperty("delegate").GetString(), grant.GetProperty("kind").GetString(),
                grant.GetProperty("source").GetString(), grant.GetProperty("status").GetString()));
        Assert.Equal(new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero), grant.GetProperty("period").GetProperty("endExclusive").GetDateTimeOffset());
        Assert.Equal(2, grant.GetProperty("classes").GetArrayLength());
        var anchor = AnchorAuthor(host, grant, 0);
        Assert.Equal((KeyRoles.Patient, $"pseudonym:{Convert.ToHexStringLower(host.Node.Gate.PseudonymOf("p-1")!)}"), (anchor.Role, anchor.Label));

        var revocation = await AccessApiHost.JsonAsync(revoked);
        Assert.Equal("revoked", revocation.GetProperty("status").GetString());
        Assert.Equal(KeyRoles.Patient, AnchorAuthor(host, revocation, 1).Role);
        Assert.Contains("already revoked", await AccessApiHost.ProblemAsync(again, HttpStatusCode.Conflict), StringComparison.Ordinal);
        var kept = Assert.Single(listed.EnumerateArray());
        Assert.Equal("revoked", kept.GetProperty("status").GetString());
        Assert.Equal(2, kept.GetProperty("anchors").GetArrayLength());
    }

    [Fact]
    public async System.Threading.Tasks.Task A_guardian_limited_to_Immunization_reads_it_but_is_refused_a_Condition_and_the_refusal_is_audited()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        using var patient = host.As(Person.Patient("p-1"));
        using var granted = await patient.PostAsync("access/delegations",
            AccessApiHost.Json("""{"delegate":"RelatedPerson/g-1","kind":"guardian","classes":["Immunization"]}"""));
        Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        using var guardian = host.As(Person.Guardian("g-1", "p-1"));

        using var immunization = await guardian.GetAsync("fhir/Immunization/i-p-1");
        using var condition = await guardian.GetAsync("fhir/Condition/c-p-1");

        Assert.Equal("i-p-1", (await FhirTestNode.ReadAsync<Immunization>(immunization)).Id);
        var refusal = await AccessApiHost.ProblemAsync(condition, HttpStatusCode.Forbidden);
        Assert.Contains("outside the delegation's scope", refusal, StringComparison.Ordinal);
        await host.SettleAuditAsync();
        var denied = Assert.Single(host.Node.Audit.Query(new AuditQuery { AccessorSubject = "acct-g-1", Outcome = AuditOutcome.Deny }));
        Assert.Equal(("Condition", "c-p-1"), (denied.Record.ResourceType, denied.Record.ResourceId));
        Assert.Contains(denied.Record.Id.ToString(), refusal, StringComparison.Ordinal);
        using var log = await patient.GetAsync("fhir/AuditEvent?outcome=deny");
        Assert.Equal(denied.Record.Id.ToString("D"), Assert.Single((await FhirTestNode.ReadAsync<Bundle>(log)).Entry).Resource!.Id);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_privacy_officer_records_and_revokes_a_court_order_with_the_node_key_and_neither_side_revokes_the_others()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        using var officer = host.As(Person.PrivacyOfficer);
        using var patient = host.As(Person.Patient("p-1"));

        using var court = await officer.PostAsync("access/delegations",
            AccessApiHost.Json("""{"patient":"p-1","delegate":"RelatedPerson/g-1","kind":"guardian","source":"court-order"}"""));
        using var own = await patient.PostAsync("access/delegations", AccessApiHost.Json("""{"delegate":"RelatedPerson/c-1","kind":"caregiver"}"""));
        var courtId = (await AccessApiHost.JsonAsync(court)).GetProperty("id").GetString();
        var ownId = (await AccessApiHost.JsonAsync(own)).GetProperty("id").GetString();

        using var patientRevokesCourt = await patient.PostAsync($"access/delegations/{courtId}/$revoke", null);
        using var officerRevokesPatients = await officer.PostAsync($"access/delegations/{ownId}/$revoke", null);
        using var officerRevokesCourt = await officer.PostAsync($"access/delegations/{courtId}/$revoke", null);
        using var officerGrantsAsPatient = await officer.PostAsync("access/delegations",
            AccessApiHost.Json("""{"patient":"p-1","delegate":"RelatedPerson/g-2","kind":"guardian"}"""));
        using var patientClaimsCourt = await patient.PostAsync("access/delegations",
            AccessApiHost.Json("""{"delegate":"RelatedPerson/g-2","kind":"guardian","source":"court-order"}"""));
        var listed = (await AccessApiHost.JsonAsync(await officer.GetAsync("access/delegations?patient=p-1"))).GetProperty("delegations");

        Assert.Equal(HttpStatusCode.Created, court.StatusCode);
        Assert.Equal(host.Node.Ledger.Keys.Node.Id, host.Node.Ledger.ReadTransaction(
            (await AccessApiHost.JsonAsync(await officer.GetAsync($"access/delegations/{courtId}"))).GetProperty("anchors")[0].GetProperty("leafIndex").GetInt64()).Transaction.Author);
        await AccessApiHost.ProblemAsync(patientRevokesCourt, HttpStatusCode.Forbidden);
        await AccessApiHost.ProblemAsync(officerRevokesPatients, HttpStatusCode.Forbidden);
        Assert.Equal("revoked", (await AccessApiHost.JsonAsync(officerRevokesCourt)).GetProperty("status").GetString());
        await AccessApiHost.ProblemAsync(officerGrantsAsPatient, HttpStatusCode.Forbidden);
        await AccessApiHost.ProblemAsync(patientClaimsCourt, HttpStatusCode.Forbidden);
        Assert.Equal(["revoked", "active"], listed.EnumerateArray().Select(d => d.GetProperty("status").GetString()));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_malformed_grant_is_refused_with_400_and_records_nothing()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        using var patient = host.As(Person.Patient("p-1"));

        using var notJson = await patient.PostAsync("access/delegations", AccessApiHost.Json("not json"));
        using var unknownField = await patient.PostAsync("access/delegations", AccessApiHost.Json("""{"delegate":"RelatedPerson/g-1","kind":"guardian","colour":"red"}"""));
        using var badClass = await patient.PostAsync("access/delegations", AccessApiHost.Json("""{"delegate":"RelatedPerson/g-1","kind":"guardian","classes":["Vaccine"]}"""));

        Assert.Contains("not JSON", await AccessApiHost.ProblemAsync(notJson, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Contains("'colour' is not a field", await AccessApiHost.ProblemAsync(unknownField, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Contains("not a FHIR R4 resource type", await AccessApiHost.ProblemAsync(badClass, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Empty(host.Node.Delegations.ForPatient(host.Node.Gate.PseudonymOf("p-1")!));
        Assert.False(File.Exists(host.Node.People.KeyPath("acct-p-1")));
    }

    [Fact]
    public async System.Threading.Tasks.Task Who_may_not_grant_list_or_revoke_is_refused_and_unknown_ones_are_404()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        await host.SeedPatientAsync("p-2");
        using var patient = host.As(Person.Patient("p-1"));
        using var other = host.As(Person.Patient("p-2"));
        using var clinician = host.As(Person.Clinician("dr-1"));
        using var officer = host.As(Person.PrivacyOfficer);
        using var granted = await patient.PostAsync("access/delegations", AccessApiHost.Json("""{"delegate":"RelatedPerson/g-1","kind":"guardian"}"""));
        var id = (await AccessApiHost.JsonAsync(granted)).GetProperty("id").GetString();

        using var duplicate = await patient.PostAsync("access/delegations", AccessApiHost.Json("""{"delegate":"RelatedPerson/g-1","kind":"guardian"}"""));
        using var forOther = await patient.PostAsync("access/delegations", AccessApiHost.Json("""{"patient":"p-2","delegate":"RelatedPerson/g-1","kind":"guardian"}"""));
        using var byClinician = await clinician.PostAsync("access/delegations", AccessApiHost.Json("""{"delegate":"RelatedPerson/g-1","kind":"guardian"}"""));
        using var listOther = await patient.GetAsync("access/delegations?patient=p-2");
        using var listByClinician = await clinician.GetAsync("access/delegations?patient=p-1");
        using var listWithoutPatient = await officer.GetAsync("access/delegations");
        using var revokeByOther = await other.PostAsync($"access/delegations/{id}/$revoke", null);
        using var readByOther = await other.GetAsync($"access/delegations/{id}");
        using var unknown = await patient.PostAsync($"access/delegations/{Guid.NewGuid()}/$revoke", null);
        using var nobody = await officer.PostAsync("access/delegations",
            AccessApiHost.Json("""{"patient":"p-9","delegate":"RelatedPerson/g-1","kind":"guardian","source":"court-order"}"""));

        Assert.Contains("stands", await AccessApiHost.ProblemAsync(duplicate, HttpStatusCode.Conflict), StringComparison.Ordinal);
        await AccessApiHost.ProblemAsync(forOther, HttpStatusCode.Forbidden);
        await AccessApiHost.ProblemAsync(byClinician, HttpStatusCode.Forbidden);
        await AccessApiHost.ProblemAsync(listOther, HttpStatusCode.Forbidden);
        await AccessApiHost.ProblemAsync(listByClinician, HttpStatusCode.Forbidden);
        Assert.Contains("?patient=", await AccessApiHost.ProblemAsync(listWithoutPatient, HttpStatusCode.BadRequest), StringComparison.Ordinal);
        await AccessApiHost.ProblemAsync(revokeByOther, HttpStatusCode.NotFound);
        await AccessApiHost.ProblemAsync(readByOther, HttpStatusCode.NotFound);
        await AccessApiHost.ProblemAsync(unknown, HttpStatusCode.NotFound);
        Assert.Contains("no records of patient p-9", await AccessApiHost.ProblemAsync(nobody, HttpStatusCode.NotFound), StringComparison.Ordinal);
        var standing = Assert.Single(host.Node.Delegations.ForPatient(host.Node.Gate.PseudonymOf("p-1")!));
        Assert.Null(standing.RevokedAt);
    }

    /// <summary>The ledger key that signed anchor <paramref name="index"/> of a delegation as the API describes it.</summary>
    private static Ledger.State.KeyRecord AnchorAuthor(AccessApiHost host, JsonElement delegation, int index)
    {
        var leaf = delegation.GetProperty("anchors")[index].GetProperty("leafIndex").GetInt64();
        return host.Node.Ledger.State.FindKey(host.Node.Ledger.ReadTransaction(leaf).Transaction.Author)!;
    }
}
