using CareLedger.Access.Audit;
using CareLedger.Access.Gate;
using CareLedger.Access.Tests.Gate.Support;
using CareLedger.Vault;

namespace CareLedger.Access.Tests.Gate;

public sealed class AccessGateReadManyTests : IDisposable
{
    private readonly GateWorld _w = new();
    private readonly byte[] _p1;
    private readonly byte[] _p2;

    public AccessGateReadManyTests()
    {
        _p1 = _w.AddPatient("p1");
        _p2 = _w.AddPatient("p2");
        _w.Put("Observation", "a1", "p1", FhirJson.Observation("a1", "p1"));
        _w.Put("Observation", "a2", "p1", FhirJson.Observation("a2", "p1", labels: "PSY"));
        _w.Put("Observation", "b1", "p2", FhirJson.Observation("b1", "p2"));
        _w.Put("Organization", "org1", null, FhirJson.Organization("org1"));
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.AllButLabel("PSY")), "c1");
    }

    private static RecordAddress Current(string type, string id) => new(type, id, 0);

    [Fact]
    public void Each_record_is_decided_on_its_facts_and_each_patient_gets_one_audit_record()
    {
        var page = _w.Gate.ReadMany(GateWorld.Clinician(), AccessContext.Default, AccessAction.Search,
            [Current("Observation", "a1"), Current("Observation", "b1"), Current("Observation", "a2"), Current("Organization", "org1")], "search Observation");

        Assert.Equal(["Observation/a1/_history/1", "Organization/org1/_history/1"], page.Records.Select(r => r.Address.ToString()));
        Assert.Equal(2, page.Withheld);
        var audits = _w.Audit.Records.Skip(0).ToList();
        var p1 = Assert.Single(audits, a => a.Patient is { } p && p.AsSpan().SequenceEqual(_p1));
        var p2 = Assert.Single(audits, a => a.Patient is { } p && p.AsSpan().SequenceEqual(_p2));
        var organisation = Assert.Single(audits, a => a.Patient is null);
        Assert.Equal(3, audits.Count);
        Assert.Equal((AuditOutcome.Permit, 1, 1, "search Observation", "Observation"), (p1.Outcome, p1.Disclosed, p1.Withheld, p1.Detail, p1.ResourceType));
        Assert.Equal((AuditOutcome.Deny, 0, 1), (p2.Outcome, p2.Disclosed, p2.Withheld));
        Assert.Equal((AuditOutcome.Permit, 1, 0), (organisation.Outcome, organisation.Disclosed, organisation.Withheld));
        Assert.Null(p1.ResourceId);
        Assert.Equal(p1.Id, page.Records[0].AuditId);
        Assert.Equal(organisation.Id, page.Records[1].AuditId);
        Assert.Contains(p1.Reasons, r => r.StartsWith("withheld: Consent c1 provision.provision[0] denies", StringComparison.Ordinal));
        Assert.Contains(p1.Reasons, r => r.StartsWith("disclosed: Consent c1 provision permits", StringComparison.Ordinal));
    }

    [Fact]
    public void An_empty_page_is_still_audited()
    {
        var page = _w.Gate.ReadMany(GateWorld.Clinician(), AccessContext.Default, AccessAction.Search, [], "search Observation");

        Assert.Empty(page.Records);
        var audit = _w.Audit.Last;
        Assert.Equal((AuditOutcome.Permit, 0, 0, (byte[]?)null), (audit.Outcome, audit.Disclosed, audit.Withheld, audit.Patient));
    }

    [Fact]
    public void A_history_lists_deleted_versions_without_content_and_a_vanished_current_version_is_left_out()
    {
        _w.Delete("Observation", "a1", "p1");

        var history = _w.Gate.ReadMany(GateWorld.Patient("p1"), AccessContext.Default, AccessAction.History,
            [new RecordAddress("Observation", "a1", 2), new RecordAddress("Observation", "a1", 1)], "history Observation/a1");
        var search = _w.Gate.ReadMany(GateWorld.Patient("p1"), AccessContext.Default, AccessAction.Search,
            [Current("Observation", "a1"), Current("Observation", "gone")], "search Observation");

        Assert.Equal([0, 1], history.Records.Select(r => r.Address.Version == 2 ? r.Json.Length : 1));
        Assert.Empty(search.Records);
        Assert.Equal(0, search.Withheld);
        Assert.Equal((AuditOutcome.Permit, 0, (byte[]?)null), (_w.Audit.Last.Outcome, _w.Audit.Last.Disclosed, _w.Audit.Last.Patient));
    }

    [Fact]
    public void Records_erased_since_they_were_found_are_left_out()
    {
        _w.Vault.Shred("p2");

        var page = _w.Gate.ReadMany(GateWorld.Patient("p1"), AccessContext.Default, AccessAction.Search,
            [Current("Observation", "b1"), Current("Observation", "a1")], "search Observation");

        Assert.Equal(["Observation/a1/_history/1"], page.Records.Select(r => r.Address.ToString()));
        Assert.Single(_w.Audit.Records);
    }

    [Fact]
    public void Records_of_types_outside_the_scopes_are_withheld_and_counted()
    {
        var who = GateWorld.Patient("p1", TestScopes.Only("Patient"));

        var page = _w.Gate.ReadMany(who, AccessContext.Default, AccessAction.Search, [Current("Patient", "p1"), Current("Observation", "a1")], "search Patient");

        Assert.Equal(["Patient/p1/_history/1"], page.Records.Select(r => r.Address.ToString()));
        Assert.Equal(1, page.Withheld);
        Assert.Contains(_w.Audit.Last.Reasons, r => r.Contains("needs user/Observation.rs", StringComparison.Ordinal));
    }

    [Fact]
    public void Break_glass_over_many_records_opens_one_grant_per_patient()
    {
        var emergency = new AccessContext { BreakGlass = new BreakGlassRequest("sepsis", _w.Time.Now.AddHours(4)) };

        var page = _w.Gate.ReadMany(GateWorld.Clinician(), emergency, AccessAction.Search,
            [Current("Observation", "b1"), Current("Patient", "p2")], "search Observation");

        Assert.Equal(2, page.Records.Count);
        var (grant, auditId) = Assert.Single(_w.BreakGlass.Opened);
        Assert.Equal(_p2, grant.Patient);
        Assert.Equal(_w.Audit.Last.Id, auditId);
        Assert.True(_w.Audit.Last.BreakGlass);
        Assert.Equal(2, _w.Audit.Last.Disclosed);
    }

    [Fact]
    public void The_export_of_a_refused_caller_discloses_nothing_and_is_audited_as_a_denial()
    {
        var page = _w.Gate.ReadMany(GateWorld.Researcher(), AccessContext.Default, AccessAction.Export, [Current("Observation", "b1")], "bulk export");

        Assert.Empty(page.Records);
        Assert.Equal((AuditOutcome.Deny, 1, AccessAction.Export), (_w.Audit.Last.Outcome, _w.Audit.Last.Withheld, _w.Audit.Last.Action));
    }

    [Fact]
    public void When_the_audit_trail_fails_nothing_is_disclosed()
    {
        _w.Audit.Failing = true;

        Assert.Throws<InvalidOperationException>(() =>
            _w.Gate.ReadMany(GateWorld.Patient("p1"), AccessContext.Default, AccessAction.Search, [Current("Observation", "a1")], "search Observation"));
    }

    [Fact]
    public void A_write_action_or_a_malformed_address_is_refused_as_bad_input()
    {
        Assert.Throws<ArgumentException>(() =>
            _w.Gate.ReadMany(GateWorld.Patient("p1"), AccessContext.Default, AccessAction.Create, [Current("Observation", "a1")], "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            _w.Gate.ReadMany(GateWorld.Patient("p1"), AccessContext.Default, AccessAction.Search, [new RecordAddress("Observation", "a1", -1)], "x"));
        Assert.Empty(_w.Audit.Records);
    }

    [Fact]
    public void RequireScope_refuses_a_search_of_a_type_outside_the_scopes_and_audits_it()
    {
        var who = GateWorld.Clinician(scopes: TestScopes.Only("Patient"));

        _w.Gate.RequireScope(who, AccessContext.Default, AccessAction.Search, "Patient", "search Patient");
        var denied = Assert.Throws<AccessDeniedException>(() => _w.Gate.RequireScope(who, AccessContext.Default, AccessAction.Search, "Observation", "search Observation"));

        var audit = Assert.Single(_w.Audit.Records);
        Assert.Equal(("user/Observation.rs", audit.Id, AuditOutcome.Deny, "search Observation"), (denied.RequiredScope, denied.AuditId, audit.Outcome, audit.Detail));
    }

    public void Dispose() => _w.Dispose();
}
