using CareLedger.Access.Audit;
using CareLedger.Access.Gate;
using CareLedger.Access.Tests.Gate.Support;
using CareLedger.Vault;

namespace CareLedger.Access.Tests.Gate;

/// <summary>
/// The door keeps a consent decision about one record version for one requester and purpose only while it provably
/// holds (docs/adr/0012): until a period boundary of the patient's consents passes, until any Consent of the patient is
/// written, and never for break-glass or delegates; the credential, the scope and the audit happen on every read.
/// </summary>
public sealed class DecisionCacheTests : IDisposable
{
    private readonly GateWorld _w = new();

    public DecisionCacheTests()
    {
        _w.AddPatient("p1");
        _w.Put("Observation", "o1", "p1", FhirJson.Observation("o1", "p1"));
    }

    [Fact]
    public void A_repeated_read_reuses_the_decision_and_is_still_audited_each_time_with_its_reasons()
    {
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit), "c1");

        var first = _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1")!;
        var second = _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1")!;

        Assert.Equal(1, _w.Gate.KeptDecisionsUsed);
        Assert.Equal(2, _w.Audit.Records.Count);
        Assert.NotEqual(first.AuditId, second.AuditId);
        Assert.Equal(_w.Audit.Records[0].Reasons, _w.Audit.Records[1].Reasons);
        Assert.All(_w.Audit.Records, r => Assert.Equal(AuditOutcome.Permit, r.Outcome));
        Assert.Contains(_w.Audit.Last.Reasons, r => r.Contains("Consent c1 provision permits", StringComparison.Ordinal));
        // The credential is not part of what is kept: it was checked for both reads.
        Assert.Equal(2, _w.Credentials.Checks);
    }

    [Fact]
    public async Task Kept_decisions_read_by_many_threads_at_once_are_each_counted_and_audited()
    {
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit), "c1");
        var who = GateWorld.Clinician();
        Assert.NotNull(_w.Gate.Read(who, AccessContext.Default, "Observation", "o1"));

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 50; i++)
            {
                Assert.NotNull(_w.Gate.Read(who, AccessContext.Default, "Observation", "o1"));
            }
        })));

        Assert.Equal(400, _w.Gate.KeptDecisionsUsed);
        Assert.Equal(401, _w.Audit.Count);
        Assert.All(_w.Audit.Records, r => Assert.Equal(AuditOutcome.Permit, r.Outcome));
    }

    [Fact]
    public void A_kept_permit_ends_at_the_instant_the_consent_period_ends()
    {
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.PermitUntil("2026-06-01T13:00:00Z")), "c1");
        var who = GateWorld.Clinician();

        Assert.NotNull(_w.Gate.Read(who, AccessContext.Default, "Observation", "o1"));
        // A FHIR period's end is inclusive at its precision: 13:00:00 is the last second in force.
        _w.Time.Now = new DateTimeOffset(2026, 6, 1, 13, 0, 0, TimeSpan.Zero).AddTicks(TimeSpan.TicksPerSecond - 1);
        Assert.NotNull(_w.Gate.Read(who, AccessContext.Default, "Observation", "o1"));
        Assert.Equal(1, _w.Gate.KeptDecisionsUsed);

        _w.Time.Now = new DateTimeOffset(2026, 6, 1, 13, 0, 1, TimeSpan.Zero);
        var denied = Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(who, AccessContext.Default, "Observation", "o1"));

        Assert.Contains(denied.Reasons, r => r.Contains("Consent c1 no longer applies", StringComparison.Ordinal));
        Assert.Equal(AuditOutcome.Deny, _w.Audit.Last.Outcome);
    }

    [Fact]
    public void A_kept_refusal_ends_at_the_instant_a_provision_comes_into_force()
    {
        const string fromOnePm = """{"type":"deny","provision":[{"type":"permit","period":{"start":"2026-06-01T13:00:00Z"}}]}""";
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", fromOnePm), "c1");
        var who = GateWorld.Clinician();

        Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(who, AccessContext.Default, "Observation", "o1"));
        _w.Time.Now = new DateTimeOffset(2026, 6, 1, 12, 59, 0, TimeSpan.Zero);
        Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(who, AccessContext.Default, "Observation", "o1"));
        Assert.Equal(1, _w.Gate.KeptDecisionsUsed);

        _w.Time.Now = new DateTimeOffset(2026, 6, 1, 13, 0, 0, TimeSpan.Zero);
        Assert.NotNull(_w.Gate.Read(who, AccessContext.Default, "Observation", "o1"));
        Assert.Equal(AuditOutcome.Permit, _w.Audit.Last.Outcome);
    }

    [Fact]
    public void A_clock_set_back_before_the_decision_does_not_use_it()
    {
        _w.Time.Now = new DateTimeOffset(2026, 6, 1, 14, 0, 0, TimeSpan.Zero);
        const string fromOnePm = """{"type":"deny","provision":[{"type":"permit","period":{"start":"2026-06-01T13:00:00Z"}}]}""";
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", fromOnePm), "c1");
        Assert.NotNull(_w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));

        _w.Time.Now = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

        Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));
        Assert.Equal(0, _w.Gate.KeptDecisionsUsed);
    }

    [Fact]
    public void Revoking_consent_denies_the_very_next_read_after_kept_permits()
    {
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit), "c1");
        for (var i = 0; i < 3; i++)
        {
            Assert.NotNull(_w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));
        }

        Assert.Equal(2, _w.Gate.KeptDecisionsUsed);

        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit, status: "inactive"), "c1");
        var denied = Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));

        Assert.Contains(denied.Reasons, r => r.Contains("its status is inactive", StringComparison.Ordinal));
        Assert.Equal(2, _w.Gate.KeptDecisionsUsed);
        Assert.Equal(AuditOutcome.Deny, _w.Audit.Last.Outcome);
    }

    [Fact]
    public void A_revoked_credential_refuses_even_when_a_permit_is_kept()
    {
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit), "c1");
        Assert.NotNull(_w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));
        Assert.NotNull(_w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));

        _w.Credentials.Revoke(GateWorld.DoctorA);
        var denied = Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));

        Assert.Contains("no valid clinical credential", denied.Message, StringComparison.Ordinal);
        Assert.Equal(AuditOutcome.Deny, _w.Audit.Last.Outcome);
    }

    [Fact]
    public void Another_requester_purpose_or_version_is_decided_on_its_own()
    {
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.OnlyFor(GateWorld.DoctorA)), "c1");
        Assert.NotNull(_w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));
        _w.Credentials.Add("Practitioner/dr-b");

        Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician("Practitioner/dr-b"), AccessContext.Default, "Observation", "o1"));
        Assert.NotNull(_w.Gate.Read(GateWorld.Clinician(), new AccessContext("HPAYMT"), "Observation", "o1"));
        Assert.Equal(0, _w.Gate.KeptDecisionsUsed);

        // A new version carrying a label the consent withholds is decided on its own facts, not on the kept permit.
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.AllButLabel("HIV")), "c1");
        Assert.NotNull(_w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));
        _w.Put("Observation", "o1", "p1", FhirJson.Observation("o1", "p1", labels: "HIV"));

        Assert.Throws<AccessDeniedException>(() => _w.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));
        Assert.NotNull(_w.Gate.ReadVersion(GateWorld.Clinician(), AccessContext.Default, new RecordAddress("Observation", "o1", 1)));
        Assert.Equal(1, _w.Gate.KeptDecisionsUsed);
    }

    [Fact]
    public void A_kept_decisions_key_equals_only_a_key_with_every_field_equal()
    {
        var treat = new CareLedger.Consent.Model.Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT");
        var key = new DecisionCache.Key(new RecordAddress("Observation", "o1", 2), "Practitioner/dr-a", "Organization/org-a", false, treat, AccessAction.Read);
        // Equal values in other string objects: equal, with the same hash.
        var copy = new DecisionCache.Key(new RecordAddress(new string("Observation"), new string("o1"), 2), new string("Practitioner/dr-a"),
            new string("Organization/org-a"), false, new CareLedger.Consent.Model.Coding(new string(treat.System), new string("TREAT")), AccessAction.Read);
        Assert.True(key.Equals(copy));
        Assert.Equal(key.GetHashCode(), copy.GetHashCode());

        DecisionCache.Key[] others =
        [
            key with { Record = new RecordAddress("Condition", "o1", 2) },
            key with { Record = new RecordAddress("Observation", "o2", 2) },
            key with { Record = new RecordAddress("Observation", "o1", 3) },
            key with { Requester = "Practitioner/dr-b" },
            key with { Organization = "Organization/org-b" },
            key with { Organization = null },
            key with { CareTeam = true },
            key with { Purpose = treat with { Code = "HPAYMT" } },
            key with { Purpose = treat with { System = "urn:other" } },
            key with { Action = AccessAction.Search },
        ];
        foreach (var other in others)
        {
            Assert.False(key.Equals(other), other.ToString());
            Assert.False(other.Equals(key), other.ToString());
        }
    }

    [Fact]
    public void Break_glass_is_never_kept()
    {
        var emergency = new AccessContext { BreakGlass = new BreakGlassRequest("unconscious in the ED", _w.Time.Now.AddHours(1)) };

        Assert.NotNull(_w.Gate.Read(GateWorld.Clinician(), emergency, "Observation", "o1"));
        Assert.NotNull(_w.Gate.Read(GateWorld.Clinician(), emergency, "Observation", "o1"));

        Assert.Equal(0, _w.Gate.KeptDecisionsUsed);
        Assert.Equal(2, _w.BreakGlass.Opened.Count);
        Assert.All(_w.Audit.Records, r => Assert.True(r.BreakGlass));
    }

    [Fact]
    public void Search_pages_reuse_kept_decisions_record_by_record()
    {
        _w.Put("Observation", "o2", "p1", FhirJson.Observation("o2", "p1", labels: "HIV"));
        _w.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.AllButLabel("HIV")), "c1");
        RecordAddress[] page = [new("Observation", "o1", 0), new("Observation", "o2", 0)];

        var first = _w.Gate.ReadMany(GateWorld.Clinician(), AccessContext.Default, AccessAction.Search, page, "search Observation");
        var second = _w.Gate.ReadMany(GateWorld.Clinician(), AccessContext.Default, AccessAction.Search, page, "search Observation");

        Assert.Equal((1, 1), (first.Records.Count, first.Withheld));
        Assert.Equal((1, 1), (second.Records.Count, second.Withheld));
        Assert.Equal(2, _w.Gate.KeptDecisionsUsed);
        Assert.Equal(_w.Audit.Records[^2].Reasons, _w.Audit.Records[^1].Reasons);
    }

    [Fact]
    public void With_the_cache_off_nothing_is_kept()
    {
        using var world = new GateWorld(decisionCacheCapacity: 0);
        world.AddPatient("p1");
        world.Put("Observation", "o1", "p1", FhirJson.Observation("o1", "p1"));
        world.PutConsent("p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit), "c1");

        Assert.NotNull(world.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));
        Assert.NotNull(world.Gate.Read(GateWorld.Clinician(), AccessContext.Default, "Observation", "o1"));

        Assert.Equal(0, world.Gate.KeptDecisionsUsed);
    }

    public void Dispose() => _w.Dispose();
}
