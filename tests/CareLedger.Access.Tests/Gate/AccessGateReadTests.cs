using System.Text;
using CareLedger.Access.Audit;
using CareLedger.Access.Callers;
using CareLedger.Access.Gate;
using CareLedger.Access.Tests.Gate.Support;
using CareLedger.Consent.Profiles;
using CareLedger.Consent.Requests;
using CareLedger.Vault;

namespace CareLedger.Access.Tests.Gate;

public sealed class AccessGateReadTests : IDisposable
{
    private readonly GateWorld _w = new();
    private readonly byte[] _p1;

    public AccessGateReadTests()
    {
        _p1 = _w.AddPatient("p1");
        _w.Put("Observation", "o1", "p1", FhirJson.Observation("o1", "p1"));
    }

    [Fact]
    public void A_permitted_read_returns_the_record_and_audits_one_permit_with_the_decision()
    {
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit), "c1");
        var ctx = new AccessContext(RequestId: "req-7");

        var read = _w.Gate.Read(GateWorld.Clinician(), ctx, "Observation", "o1")!;

        var audit = Assert.Single(_w.Audit.Records);
        Assert.Equal(FhirJson.Observation("o1", "p1"), Encoding.UTF8.GetString(read.Json));
        Assert.Equal(new RecordAddress("Observation", "o1", 1), read.Address);
        Assert.Equal(audit.Id, read.AuditId);
        Assert.Equal(
            (AccessAction.Read, AuditOutcome.Permit, "acct-clinician", CareLedgerRole.Clinician, GateWorld.DoctorA, GateWorld.Organisation, "TREAT"),
            (audit.Action, audit.Outcome, audit.AccessorSubject, audit.AccessorRole, audit.AccessorReference, audit.Organisation, audit.Purpose));
        Assert.Equal(_p1, audit.Patient);
        Assert.Equal(("Observation", "o1", 1, 0, false, "req-7"), (audit.ResourceType, audit.ResourceId, audit.Disclosed, audit.Withheld, audit.BreakGlass, audit.RequestId));
        Assert.Contains(audit.Reasons, r => r.Contains("Consent c1 provision permits", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_scope_is_refused_before_anything_is_read_naming_the_scope()
    {
        var who = GateWorld.Clinician(scopes: TestScopes.Only("Patient"));

        var denied = Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(who, AccessContext.Default, "Observation", "o1"));

        var audit = Assert.Single(_w.Audit.Records);
        Assert.Equal("user/Observation.rs", denied.RequiredScope);
        Assert.Equal(audit.Id, denied.AuditId);
        Assert.Equal(AuditOutcome.Deny, audit.Outcome);
        Assert.Null(audit.Patient);
        Assert.Contains("user/Observation.rs", denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Revoked_consent_denies_the_next_read()
    {
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit), "c1");
        Assert.NotNull(_w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));

        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit, status: "inactive"), "c1");
        var denied = Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));

        Assert.Contains(denied.Reasons, r => r.Contains("Consent c1 does not apply: its status is inactive", StringComparison.Ordinal));
        Assert.Contains(denied.Reasons, r => r.Contains("denies by default", StringComparison.Ordinal));
        Assert.Equal(AuditOutcome.Deny, _w.Audit.Last.Outcome);
    }

    [Fact]
    public void An_unknown_record_reads_as_null_and_the_attempt_is_audited()
    {
        Assert.Null(_w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "nothing"));

        var audit = Assert.Single(_w.Audit.Records);
        Assert.Equal((AuditOutcome.Permit, 0, "nothing"), (audit.Outcome, audit.Disclosed, audit.ResourceId));
        Assert.Null(audit.Patient);
    }

    [Fact]
    public void A_deleted_record_reads_as_null_for_its_patient_and_stays_refused_to_others()
    {
        _w.Delete("Observation", "o1", "p1");

        Assert.Null(_w.Gate.Read(GateWorld.Patient("p1"), AccessContext.Default, "Observation", "o1"));
        Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));
        Assert.Equal([AuditOutcome.Permit, AuditOutcome.Deny], _w.Audit.Records.Select(r => r.Outcome));
    }

    [Fact]
    public void A_version_is_decided_on_its_own_labels()
    {
        _w.Put("Observation", "o1", "p1", FhirJson.Observation("o1", "p1", labels: "HIV"));
        _w.Put("Observation", "o1", "p1", FhirJson.Observation("o1", "p1"));
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.AllButLabel("HIV")), "c1");
        var who = GateWorld.Clinician();

        Assert.NotNull(_w.Gate.ReadVersion(who, AccessContext.Default, new RecordAddress("Observation", "o1", 3)));
        Assert.NotNull(_w.Gate.ReadVersion(who, AccessContext.Default, new RecordAddress("Observation", "o1", 1)));
        var denied = Assert.Throws<AccessDeniedException>(() => _w.Gate.ReadVersion(who, AccessContext.Default, new RecordAddress("Observation", "o1", 2)));
        Assert.Contains("provision.provision[0] denies", denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_label_on_a_contained_resource_counts_as_a_label_of_the_whole()
    {
        const string json = """{"resourceType":"Observation","id":"o2","contained":[{"resourceType":"Observation","id":"x","meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"PSY"}]},"status":"final","code":{"text":"x"}}],"status":"final","code":{"text":"y"},"subject":{"reference":"Patient/p1"}}""";
        _w.Put("Observation", "o2", "p1", json);
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.AllButLabel("PSY")), "c1");

        Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o2"));
        Assert.NotNull(_w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));
    }

    [Fact]
    public void A_data_period_permits_only_data_of_its_time()
    {
        _w.Put("Observation", "o-march", "p1", FhirJson.Observation("o-march", "p1", effective: "2026-03-01"));
        const string provision = """{"type":"deny","provision":[{"type":"permit","dataPeriod":{"start":"2026-01-01","end":"2026-02-28"}}]}""";
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", provision), "c1");

        Assert.NotNull(_w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));
        Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o-march"));
    }

    [Fact]
    public void When_the_audit_trail_fails_the_door_refuses_both_permits_and_denials()
    {
        _w.Audit.Failing = true;

        var permit = Assert.Throws<InvalidOperationException>(() => _w.Gate.Read(GateWorld.Patient("p1"), AccessContext.Default, "Observation", "o1"));
        var deny = Assert.Throws<InvalidOperationException>(() => _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));

        Assert.Contains("nothing was disclosed", permit.Message, StringComparison.Ordinal);
        Assert.Contains("audit trail", deny.Message, StringComparison.Ordinal);
        Assert.Empty(_w.Audit.Records);
    }

    [Fact]
    public void A_clinician_without_a_valid_credential_is_refused_even_in_an_emergency()
    {
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit), "c1");
        _w.Credentials.Revoke(GateWorld.DoctorA);
        var emergency = new AccessContext { BreakGlass = new BreakGlassRequest("cardiac arrest", _w.Time.Now.AddHours(1)) };

        var plain = Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));
        var breakGlass = Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician(), emergency, "Observation", "o1"));

        Assert.Contains("no valid clinical credential: no credential", plain.Reasons);
        Assert.Contains("no valid clinical credential: no credential", breakGlass.Reasons);
        Assert.Empty(_w.BreakGlass.Opened);
    }

    [Fact]
    public void Break_glass_opens_a_grant_under_the_audit_record_it_flags()
    {
        var expires = _w.Time.Now.AddHours(2);
        var emergency = new AccessContext { BreakGlass = new BreakGlassRequest("unconscious, allergies unknown", expires) };

        var read = _w.Gate.Read(GateWorld.Clinician(), emergency, "Observation", "o1")!;

        var audit = Assert.Single(_w.Audit.Records);
        var (grant, auditId) = Assert.Single(_w.BreakGlass.Opened);
        Assert.True(audit.BreakGlass);
        Assert.Equal("ETREAT", audit.Purpose);
        Assert.Equal(audit.Id, auditId);
        Assert.Equal(audit.Id, read.AuditId);
        Assert.Equal(_p1, grant.Patient);
        Assert.Equal((expires, "unconscious, allergies unknown"), (grant.ExpiresAt, grant.Reason));
        Assert.Contains(audit.Reasons, r => r.StartsWith("Emergency access granted until", StringComparison.Ordinal));
    }

    [Fact]
    public void Break_glass_is_refused_when_the_patient_refused_emergency_access_or_it_lasts_too_long()
    {
        var tooLong = new AccessContext { BreakGlass = new BreakGlassRequest("stroke", _w.Time.Now.AddHours(30)) };
        var tooLongDenied = Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician(), tooLong, "Observation", "o1"));

        const string refusesEmergency = """{"type":"deny","provision":[{"type":"deny","purpose":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"ETREAT"}]}]}""";
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", refusesEmergency), "c1");
        var emergency = new AccessContext { BreakGlass = new BreakGlassRequest("stroke", _w.Time.Now.AddHours(1)) };
        var refused = Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician(), emergency, "Observation", "o1"));

        Assert.Contains(tooLongDenied.Reasons, r => r.Contains("may last at most", StringComparison.Ordinal));
        Assert.Contains(refused.Reasons, r => r.Contains("explicitly denies emergency treatment access", StringComparison.Ordinal));
        Assert.Empty(_w.BreakGlass.Opened);
    }

    [Fact]
    public void ETREAT_is_only_granted_through_break_glass_and_break_glass_only_to_clinicians()
    {
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit), "c1");
        var emergency = new AccessContext { BreakGlass = new BreakGlassRequest("fall", _w.Time.Now.AddHours(1)) };

        var etreat = Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician(), new AccessContext("ETREAT"), "Observation", "o1"));
        var patient = Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Patient("p1"), emergency, "Observation", "o1"));

        Assert.Equal(["purpose ETREAT is only granted through a break-glass request"], etreat.Reasons);
        Assert.Equal(["break-glass is only for credentialed clinicians"], patient.Reasons);
    }

    [Fact]
    public void A_consent_naming_the_custodian_permits_its_clinicians_and_no_one_elses()
    {
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.OnlyFor(GateWorld.OrganizationReference)), "c1");

        Assert.NotNull(_w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));
        Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician(organisation: "Elsewhere General"), AccessContext.Default, "Observation", "o1"));
    }

    [Fact]
    public void The_opt_out_profile_permits_treatment_by_the_custodians_clinicians_only()
    {
        using var w = new GateWorld(JurisdictionProfile.OptOutForTreatment);
        w.AddPatient("p1");
        w.Put("Observation", "o1", "p1", FhirJson.Observation("o1", "p1"));

        Assert.NotNull(w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));
        Assert.Throws<AccessDeniedException>(() => w.Gate.Read(GateWorld.Clinician(organisation: "Elsewhere General"), AccessContext.Default, "Observation", "o1"));
        Assert.Throws<AccessDeniedException>(() => w.Gate.Read(GateWorld.Clinician(), new AccessContext("HRESCH"), "Observation", "o1"));
    }

    [Fact]
    public void A_guardian_of_a_minor_is_refused_protected_labels_and_sees_the_rest()
    {
        var child = _w.AddPatient("child", birthDate: "2015-02-03");
        _w.Put("Observation", "hiv", "child", FhirJson.Observation("hiv", "child", labels: "HIV"));
        _w.Put("Observation", "plain", "child", FhirJson.Observation("plain", "child"));
        _w.Delegations.Grant("RelatedPerson/mum", child, DelegateKind.Guardian);
        var mum = GateWorld.Delegate(CareLedgerRole.Guardian, "RelatedPerson/mum", "child");

        Assert.NotNull(_w.Gate.Read(mum, AccessContext.Default, "Observation", "plain"));
        var denied = Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(mum, AccessContext.Default, "Observation", "hiv"));

        Assert.Contains("withheld from guardians", denied.Message, StringComparison.Ordinal);
        Assert.Equal("FAMRQT", _w.Audit.Last.Purpose);
    }

    [Fact]
    public void A_guardian_sees_protected_labels_once_the_patient_is_an_adult()
    {
        var adult = _w.AddPatient("adult", birthDate: "2008-05-31");
        _w.Put("Observation", "hiv", "adult", FhirJson.Observation("hiv", "adult", labels: "HIV"));
        _w.Delegations.Grant("RelatedPerson/dad", adult, DelegateKind.Guardian);
        var dad = GateWorld.Delegate(CareLedgerRole.Guardian, "RelatedPerson/dad", "adult");

        Assert.NotNull(_w.Gate.Read(dad, AccessContext.Default, "Observation", "hiv"));
    }

    [Fact]
    public void A_delegate_without_a_delegation_from_the_patient_is_refused()
    {
        var stranger = GateWorld.Delegate(CareLedgerRole.Caregiver, "RelatedPerson/stranger", "p1");

        var denied = Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(stranger, AccessContext.Default, "Observation", "o1"));

        Assert.Equal(["the patient has no delegation in force to this caller"], denied.Reasons);
    }

    [Fact]
    public void A_researcher_acts_only_for_research_purposes()
    {
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit), "c1");

        Assert.NotNull(_w.Gate.Read(GateWorld.Researcher(reference: null), new AccessContext("CLINTRCH"), "Observation", "o1"));
        var denied = Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Researcher(), new AccessContext("TREAT"), "Observation", "o1"));

        Assert.Equal(["a researcher acts only for research purposes, not TREAT"], denied.Reasons);
    }

    [Fact]
    public void A_system_of_another_organisation_is_refused()
    {
        Assert.NotNull(_w.Gate.Read(GateWorld.System(), AccessContext.Default, "Observation", "o1"));
        Assert.Contains("custodian system of St Elsewhere", _w.Audit.Last.Reasons);

        Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.System("Elsewhere General"), AccessContext.Default, "Observation", "o1"));
    }

    [Fact]
    public void A_patient_reads_their_own_records_only()
    {
        _w.AddPatient("p2");

        Assert.NotNull(_w.Gate.Read(GateWorld.Patient("p1"), AccessContext.Default, "Observation", "o1"));
        Assert.Equal("PATRQT", _w.Audit.Last.Purpose);
        var denied = Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Patient("p2"), AccessContext.Default, "Observation", "o1"));
        Assert.Equal(["the record belongs to another patient"], denied.Reasons);
    }

    [Fact]
    public void A_patient_erased_and_recorded_again_reads_their_new_records_and_nothing_of_the_old()
    {
        Assert.NotNull(_w.Gate.Read(GateWorld.Patient("p1"), AccessContext.Default, "Observation", "o1"));
        _w.Vault.Shred("p1");
        _w.Put("Observation", "o-new", "p1", FhirJson.Observation("o-new", "p1"));

        Assert.NotNull(_w.Gate.Read(GateWorld.Patient("p1"), AccessContext.Default, "Observation", "o-new"));
        Assert.Throws<CareLedger.Vault.RecordErasedException>(() => _w.Gate.Read(GateWorld.Patient("p1"), AccessContext.Default, "Observation", "o1"));
        Assert.NotEqual(_p1, _w.Audit.Last.Patient);
    }

    [Fact]
    public void Records_outside_patient_compartments_need_only_the_scope()
    {
        _w.Put("Organization", "org1", null, FhirJson.Organization("org1"));

        Assert.NotNull(_w.Gate.Read(GateWorld.Staff(CareLedgerRole.Operator), AccessContext.Default, "Organization", "org1"));
        var audit = _w.Audit.Last;
        Assert.Equal((AuditOutcome.Permit, (byte[]?)null, "HSYSADMIN"), (audit.Outcome, audit.Patient, audit.Purpose));

        var denied = Assert.Throws<AccessDeniedException>(() =>
            _w.Gate.Read(GateWorld.Staff(CareLedgerRole.Operator, TestScopes.Only("Endpoint")), AccessContext.Default, "Organization", "org1"));
        Assert.Equal("user/Organization.rs", denied.RequiredScope);
    }

    [Fact]
    public void Stored_consents_that_do_not_compile_refuse_everyone_who_needs_consent_but_not_the_patient()
    {
        // Written past the door (as an import from before it existed might have): a provision without a type.
        _w.Put("Consent", "broken", "p1", FhirJson.Consent("broken", "p1", """{"provision":[{"type":"permit"}]}"""));

        var denied = Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));

        Assert.Contains("stored consents do not validate", denied.Message, StringComparison.Ordinal);
        Assert.NotNull(_w.Gate.Read(GateWorld.Patient("p1"), AccessContext.Default, "Observation", "o1"));
    }

    [Fact]
    public void Bad_input_is_refused_with_a_clear_message_and_not_audited()
    {
        Assert.Throws<ArgumentException>(() => _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "observation", "o1"));
        Assert.Throws<ArgumentException>(() => _w.Gate.Read(GateWorld.Clinician(), new AccessContext("  "), "Observation", "o1"));
        Assert.Throws<ArgumentException>(() => _w.Gate.ReadVersion(GateWorld.Clinician(), AccessContext.Default, new RecordAddress("Observation", "o1", 0)));

        Assert.Empty(_w.Audit.Records);
    }

    [Theory]
    [InlineData("observation", "o1", "type")]
    [InlineData("Obs1", "o1", "type")]
    [InlineData("Observación", "o1", "type")]
    [InlineData("", "o1", "type")]
    [InlineData("Observation", "", "id")]
    [InlineData("Observation", "o_1", "id")]
    [InlineData("Observation", "o 1", "id")]
    [InlineData("Observation", "ö1", "id")]
    public void A_type_or_id_outside_the_vaults_rules_is_refused_naming_the_parameter(string type, string id, string parameter)
    {
        var error = Assert.Throws<ArgumentException>(() => _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, type, id));

        Assert.Equal(parameter, error.ParamName);
        Assert.Empty(_w.Audit.Records);
    }

    [Fact]
    public void Names_at_the_edges_of_the_vaults_rules_are_read()
    {
        var longest = new string('a', 63) + "9";
        Assert.Throws<ArgumentException>(() => _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", longest + "0"));
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit), "c1");
        _w.Put("Observation", longest, "p1", FhirJson.Observation(longest, "p1"));
        _w.Put("Observation", "A-b.9", "p1", FhirJson.Observation("A-b.9", "p1"));

        Assert.NotNull(_w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", longest));
        Assert.NotNull(_w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "A-b.9"));
        Assert.Null(_w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "-"));
        Assert.Equal(3, _w.Audit.Count);
    }

    [Fact]
    public void Each_clinician_object_is_decided_as_its_own_organisation_read_after_read()
    {
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.OnlyFor(GateWorld.OrganizationReference)), "c1");
        var ours = GateWorld.Clinician();
        var visiting = GateWorld.Clinician(organisation: "Another Clinic");

        for (var i = 0; i < 3; i++)
        {
            Assert.NotNull(_w.Gate.Read(ours, AccessContext.Default, "Observation", "o1"));
            Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(visiting, AccessContext.Default, "Observation", "o1"));
        }

        Assert.Equal([AuditOutcome.Permit, AuditOutcome.Deny, AuditOutcome.Permit, AuditOutcome.Deny, AuditOutcome.Permit, AuditOutcome.Deny],
            _w.Audit.Records.Select(r => r.Outcome));
    }

    public void Dispose() => _w.Dispose();
}
