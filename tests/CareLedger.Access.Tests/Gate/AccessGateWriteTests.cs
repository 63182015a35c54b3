using System.Globalization;
using System.Text;
using CareLedger.Access.Audit;
using CareLedger.Access.Callers;
using CareLedger.Access.Gate;
using CareLedger.Access.Tests.Gate.Support;
using CareLedger.Consent.Requests;
using CareLedger.Consent.Validation;
using CareLedger.Consent.Vocabulary;

namespace CareLedger.Access.Tests.Gate;

public sealed class AccessGateWriteTests : IDisposable
{
    private readonly GateWorld _w = new();
    private readonly byte[] _p1;

    public AccessGateWriteTests()
    {
        _p1 = _w.AddPatient("p1");
        _w.Put("Observation", "o1", "p1", FhirJson.Observation("o1", "p1"));
    }

    private static WriteIntent Create(string type, string id, string? patientId, string json) =>
        new(AccessAction.Create, type, id, patientId, Encoding.UTF8.GetBytes(json));

    private static WriteIntent Update(string type, string id, string? patientId, string json) =>
        new(AccessAction.Update, type, id, patientId, Encoding.UTF8.GetBytes(json));

    private static WriteIntent ConsentWrite(string id, string json, AccessAction action = AccessAction.Create) =>
        new(action, "Consent", id, "p1", Encoding.UTF8.GetBytes(json));

    [Fact]
    public void A_clinicians_writes_record_care_and_each_is_audited()
    {
        _w.Gate.AuthorizeWrites(GateWorld.Clinician(), AccessContext.Default,
            [Create("Observation", "o2", "p1", FhirJson.Observation("o2", "p1")), Update("Observation", "o1", "p1", FhirJson.Observation("o1", "p1"))]);

        Assert.Equal([(AccessAction.Create, "o2"), (AccessAction.Update, "o1")], _w.Audit.Records.Select(a => (a.Action, a.ResourceId!)));
        Assert.All(_w.Audit.Records, a => Assert.Equal((AuditOutcome.Permit, 1), (a.Outcome, a.Disclosed)));
        Assert.All(_w.Audit.Records, a => Assert.Equal(_p1, a.Patient));
        Assert.Contains(_w.Audit.Last.Reasons, r => r.StartsWith("recording care at the custodian St Elsewhere", StringComparison.Ordinal));
    }

    [Fact]
    public void One_refused_write_refuses_them_all_and_says_which()
    {
        _w.AddPatient("p2");
        var writes = new[] { Create("Observation", "mine", "p1", FhirJson.Observation("mine", "p1")), Create("Observation", "theirs", "p2", FhirJson.Observation("theirs", "p2")) };

        var denied = Assert.Throws<AccessDeniedException>(() => _w.Gate.AuthorizeWrites(GateWorld.Patient("p1"), AccessContext.Default, writes));

        Assert.Equal(["Observation/theirs: the record belongs to another patient"], denied.Reasons);
        Assert.Equal([AuditOutcome.Permit, AuditOutcome.Deny], _w.Audit.Records.Select(a => a.Outcome));
        Assert.Equal(0, _w.Audit.Records[0].Disclosed);
        Assert.Contains(_w.Audit.Records[0].Reasons, r => r.StartsWith("not written", StringComparison.Ordinal));
        Assert.Equal(_w.Audit.Records[1].Id, denied.AuditId);
    }

    [Fact]
    public void A_write_may_not_move_a_record_to_another_compartment()
    {
        _w.AddPatient("p2");

        var denied = Assert.Throws<AccessDeniedException>(() => _w.Gate.AuthorizeWrites(GateWorld.Clinician(), AccessContext.Default,
            [Update("Observation", "o1", "p2", FhirJson.Observation("o1", "p2"))]));

        Assert.Contains("another compartment", denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_guardian_cannot_strip_a_protected_label_to_overwrite_a_minors_record()
    {
        var child = _w.AddPatient("child", birthDate: "2016-01-01");
        _w.Put("Observation", "hiv", "child", FhirJson.Observation("hiv", "child", labels: "HIV"));
        _w.Delegations.Grant("RelatedPerson/mum", child, DelegateKind.Guardian);
        var mum = GateWorld.Delegate(CareLedgerRole.Guardian, "RelatedPerson/mum", "child");

        var denied = Assert.Throws<AccessDeniedException>(() => _w.Gate.AuthorizeWrites(mum, AccessContext.Default,
            [Update("Observation", "hiv", "child", FhirJson.Observation("hiv", "child"))]));

        Assert.Contains("withheld from guardians", denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_patient_writes_a_consent_and_the_next_decision_follows_it()
    {
        Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));
        var consent = FhirJson.Consent("c1", "p1", FhirJson.OnlyFor(GateWorld.OrganizationReference));

        _w.Gate.AuthorizeWrites(GateWorld.Patient("p1"), AccessContext.Default, [ConsentWrite("c1", consent)]);
        _w.PutConsent("p1", consent, "c1");

        Assert.NotNull(_w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));
    }

    [Fact]
    public void A_consent_that_does_not_convert_or_contradicts_itself_is_refused_with_every_problem()
    {
        const string provision = $$$"""
            {"type":"deny","period":{"start":"2026-01-01","end":"2026-12-31"},"provision":[
              {"type":"permit","period":{"start":"2027-02-01","end":"2027-03-01"}},
              {"type":"permit","actor":[{"role":{{{FhirJson.Recipient}}},"reference":{"reference":"https://elsewhere.example/fhir/Practitioner/9"}}]},
              {"type":"permit","code":[{"text":"heart things"}]}]}
            """;

        var error = Assert.Throws<ConsentValidationException>(() =>
            _w.Gate.AuthorizeWrites(GateWorld.Patient("p1"), AccessContext.Default, [ConsentWrite("c1", FhirJson.Consent("c1", "p1", provision))]));

        Assert.Equal(
            ["provision.provision[0].period", "provision.provision[1].actor[0].reference", "provision.provision[2].code[0]"],
            error.Problems.Select(p => p.Path).Order());
        Assert.All(error.Problems, p => Assert.Equal("c1", p.Consent?.Value));
        var audit = Assert.Single(_w.Audit.Records);
        Assert.Equal((AuditOutcome.Deny, 0), (audit.Outcome, audit.Disclosed));
        Assert.Contains("the Consent does not validate (3 problems in the patient's would-be consents)", audit.Reasons);
    }

    [Fact]
    public void A_consent_for_another_patient_in_this_compartment_is_refused()
    {
        _w.AddPatient("p2");

        var error = Assert.Throws<ConsentValidationException>(() => _w.Gate.AuthorizeWrites(GateWorld.Patient("p1"), AccessContext.Default,
            [ConsentWrite("c1", FhirJson.Consent("c1", "p2", FhirJson.BlanketPermit))]));

        Assert.Equal("patient", Assert.Single(error.Problems).Path);
    }

    [Fact]
    public void Replacing_a_broken_stored_consent_is_judged_on_the_replacement()
    {
        _w.Put("Consent", "broken", "p1", FhirJson.Consent("broken", "p1", """{"provision":[{"type":"permit"}]}"""));

        var other = Assert.Throws<ConsentValidationException>(() => _w.Gate.AuthorizeWrites(GateWorld.Patient("p1"), AccessContext.Default,
            [ConsentWrite("c2", FhirJson.Consent("c2", "p1", FhirJson.BlanketDeny))]));
        _w.Gate.AuthorizeWrites(GateWorld.Patient("p1"), AccessContext.Default,
            [ConsentWrite("broken", FhirJson.Consent("broken", "p1", FhirJson.BlanketDeny), AccessAction.Update)]);

        Assert.Equal("broken", Assert.Single(other.Problems).Consent?.Value);
        Assert.Equal(AuditOutcome.Permit, _w.Audit.Last.Outcome);
    }

    [Fact]
    public void Clinicians_and_researchers_may_not_write_a_patients_consents()
    {
        var consent = ConsentWrite("c1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit));

        var clinician = Assert.Throws<AccessDeniedException>(() => _w.Gate.AuthorizeWrites(GateWorld.Clinician(), AccessContext.Default, [consent]));
        Assert.Throws<AccessDeniedException>(() => _w.Gate.AuthorizeWrites(GateWorld.Researcher(), AccessContext.Default, [consent]));
        _w.Gate.AuthorizeWrites(GateWorld.System(), AccessContext.Default, [consent]);

        Assert.Contains("only the patient, a delegate allowed to, or the custodian's system may write", clinician.Message, StringComparison.Ordinal);
        Assert.Equal([AuditOutcome.Deny, AuditOutcome.Deny, AuditOutcome.Permit], _w.Audit.Records.Select(a => a.Outcome));
    }

    [Fact]
    public void A_delegate_writes_consents_only_if_the_delegation_allows_it()
    {
        var readOnly = new DelegationScope { Actions = [ConsentActions.Access] };
        _w.Delegations.Grant("RelatedPerson/helper", _p1, DelegateKind.Caregiver, readOnly);
        var full = new DelegationScope { Actions = [ConsentActions.Access, ConsentActions.Collect, ConsentActions.Correct], Classes = [ResourceClasses.OfType("Consent")] };
        _w.Delegations.Grant("RelatedPerson/attorney", _p1, DelegateKind.Caregiver, full);
        var consent = ConsentWrite("c1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit));

        var denied = Assert.Throws<AccessDeniedException>(() =>
            _w.Gate.AuthorizeWrites(GateWorld.Delegate(CareLedgerRole.Caregiver, "RelatedPerson/helper", "p1"), AccessContext.Default, [consent]));
        _w.Gate.AuthorizeWrites(GateWorld.Delegate(CareLedgerRole.Caregiver, "RelatedPerson/attorney", "p1"), AccessContext.Default, [consent]);

        Assert.Contains(denied.Reasons, r => r.Contains("outside the delegation's scope", StringComparison.Ordinal));
        Assert.Equal(AuditOutcome.Permit, _w.Audit.Last.Outcome);
    }

    [Fact]
    public void A_permitted_write_for_a_patient_without_records_creates_the_pseudonym_the_audit_names()
    {
        Assert.Null(_w.Vault.TryGetPseudonym("newborn"));

        _w.Gate.AuthorizeWrites(GateWorld.Clinician(), AccessContext.Default, [Create("Patient", "newborn", "newborn", FhirJson.Patient("newborn", "2026-05-30"))]);

        Assert.Equal(_w.Vault.TryGetPseudonym("newborn"), _w.Audit.Last.Patient);
        Assert.NotNull(_w.Audit.Last.Patient);
    }

    [Fact]
    public async Task Concurrent_writes_of_new_patients_each_get_the_compartment_the_vault_keeps_and_the_audit_names()
    {
        // Sixteen callers at once for eight new patients (two each): compartments asked for together are created together.
        var patients = Enumerable.Range(0, 8).Select(i => $"new{i}").ToList();
        using var start = new Barrier(16);
        var callers = Enumerable.Range(0, 16).Select(i => Task.Run(() =>
        {
            start.SignalAndWait();
            _w.Gate.AuthorizeWrites(GateWorld.Clinician(), AccessContext.Default,
                [Create("Observation", $"obs{i}", patients[i % 8], FhirJson.Observation($"obs{i}", patients[i % 8]))]);
        })).ToArray();
        await Task.WhenAll(callers);

        var kept = patients.ToDictionary(p => p, p => _w.Vault.TryGetPseudonym(p));
        Assert.All(kept.Values, Assert.NotNull);
        Assert.Equal(8, kept.Values.Select(Convert.ToHexString!).Distinct().Count());
        Assert.Equal(16, _w.Audit.Records.Count);
        Assert.All(_w.Audit.Records, a => Assert.Equal(kept[patients[int.Parse(a.ResourceId!.AsSpan(3), CultureInfo.InvariantCulture) % 8]], a.Patient));
    }

    [Fact]
    public void A_refused_write_for_a_patient_without_records_creates_nothing()
    {
        Assert.Throws<AccessDeniedException>(() => _w.Gate.AuthorizeWrites(GateWorld.Researcher(), new AccessContext("HRESCH"),
            [Create("Patient", "stranger", "stranger", FhirJson.Patient("stranger", "1990-01-01"))]));

        Assert.Null(_w.Vault.TryGetPseudonym("stranger"));
        Assert.Null(_w.Audit.Last.Patient);
    }

    [Fact]
    public void Malformed_writes_are_refused_as_bad_input_before_any_decision()
    {
        Assert.Throws<ArgumentException>(() => _w.Gate.AuthorizeWrites(GateWorld.Clinician(), AccessContext.Default,
            [new WriteIntent(AccessAction.Create, "Observation", "o9", "p1", ReadOnlyMemory<byte>.Empty)]));
        Assert.Throws<ArgumentException>(() => _w.Gate.AuthorizeWrites(GateWorld.Clinician(), AccessContext.Default,
            [new WriteIntent(AccessAction.Read, "Observation", "o9", "p1", Encoding.UTF8.GetBytes("{}"))]));
        Assert.Throws<ArgumentException>(() => _w.Gate.AuthorizeWrites(GateWorld.Delegate(CareLedgerRole.Caregiver, "RelatedPerson/x", "p1"), AccessContext.Default,
            [Create("Observation", "o9", "p1", "not json")]));

        Assert.Empty(_w.Audit.Records);
    }

    public void Dispose() => _w.Dispose();
}
