using System.Text;
using CareLedger.Access.Audit;
using CareLedger.Access.Callers;
using CareLedger.Access.Gate;
using CareLedger.Access.Tests.Gate.Support;
using CareLedger.Consent.Requests;
using CareLedger.Vault;

namespace CareLedger.Access.Tests.Gate;

/// <summary>One vault holding a patient (with one Observation) per consent state, and the delegations of the table.</summary>
public sealed class AuthorisationWorld : IDisposable
{
    public const string Guardian = "RelatedPerson/guardian";
    public const string Caregiver = "RelatedPerson/caregiver";

    public AuthorisationWorld()
    {
        foreach (var state in Enum.GetValues<ConsentState>().Where(s => s != ConsentState.BreakGlass))
        {
            var patient = PatientOf(state);
            var pseudonym = World.AddPatient(patient);
            World.Put("Observation", ObservationOf(state), patient, FhirJson.Observation(ObservationOf(state), patient));
            World.Delegations.Grant(Guardian, pseudonym, DelegateKind.Guardian);
            World.Delegations.Grant(Caregiver, pseudonym, DelegateKind.Caregiver);
            var consent = state switch
            {
                ConsentState.Permit => FhirJson.Consent("c-" + patient, patient, FhirJson.BlanketPermit),
                ConsentState.Deny => FhirJson.Consent("c-" + patient, patient, FhirJson.BlanketDeny),
                ConsentState.Revoked => FhirJson.Consent("c-" + patient, patient, FhirJson.BlanketPermit, status: "inactive"),
                ConsentState.Expired => FhirJson.Consent("c-" + patient, patient, FhirJson.PermitUntil("2026-05-01")),
                _ => null,
            };
            if (consent is not null)
            {
                World.PutConsent(patient, consent, "c-" + patient);
            }
        }
    }

    public GateWorld World { get; } = new();

    public static string PatientOf(ConsentState state) =>
        "p-" + (state == ConsentState.BreakGlass ? ConsentState.None : state).ToString().ToLowerInvariant();

    public static string ObservationOf(ConsentState state) => "obs-" + PatientOf(state);

    public void Dispose() => World.Dispose();
}

public sealed class AuthorisationTableTests(AuthorisationWorld fixture) : IClassFixture<AuthorisationWorld>
{
    private readonly GateWorld _world = fixture.World;

    [Theory]
    [MemberData(nameof(AuthorisationTable.Cases), MemberType = typeof(AuthorisationTable))]
    public void The_door_decides_as_the_table_says_and_audits_the_decision(CareLedgerRole role, AccessAction action, ConsentState consent, Expected expected)
    {
        var patient = AuthorisationWorld.PatientOf(consent);
        var who = AccessorFor(role, patient);
        var ctx = consent == ConsentState.BreakGlass
            ? new AccessContext { BreakGlass = new BreakGlassRequest("unconscious in the emergency department", _world.Time.Now.AddHours(2)) }
            : AccessContext.Default;
        var audited = _world.Audit.Count;
        var opened = _world.BreakGlass.Opened.Count;

        var (permitted, auditId) = Attempt(who, ctx, action, patient, AuthorisationWorld.ObservationOf(consent));

        var record = Assert.Single(_world.Audit.Since(audited));
        Assert.Equal(expected != Expected.Deny, permitted);
        Assert.Equal(permitted ? AuditOutcome.Permit : AuditOutcome.Deny, record.Outcome);
        Assert.Equal(auditId, record.Id);
        Assert.Equal(action, record.Action);
        Assert.Equal(_world.Vault.TryGetPseudonym(patient), record.Patient);
        Assert.Equal(expected == Expected.BreakGlassPermit, record.BreakGlass);
        Assert.Equal(expected == Expected.BreakGlassPermit ? 1 : 0, _world.BreakGlass.Opened.Count - opened);
        Assert.NotEmpty(record.Reasons);
    }

    [Fact]
    public void The_table_has_one_row_for_every_role_and_consent_state()
    {
        var expected = from role in Enum.GetValues<CareLedgerRole>() from state in Enum.GetValues<ConsentState>() select (role, state);

        Assert.Equal(expected.Order(), AuthorisationTable.Rows.Select(r => (r.Role, r.Consent)).Order());
    }

    private (bool Permitted, Guid AuditId) Attempt(Accessor who, AccessContext ctx, AccessAction action, string patient, string observation)
    {
        try
        {
            switch (action)
            {
                case AccessAction.Read:
                    var read = _world.Gate.Read(who, ctx, "Observation", observation);
                    Assert.NotNull(read);
                    Assert.Contains(observation, Encoding.UTF8.GetString(read.Json), StringComparison.Ordinal);
                    return (true, read.AuditId);
                case AccessAction.Search or AccessAction.Export:
                    var page = _world.Gate.ReadMany(who, ctx, action, [new RecordAddress("Observation", observation, 0)], "search Observation");
                    Assert.Equal(1, page.Records.Count + page.Withheld);
                    return (page.Records.Count == 1, _world.Audit.Last.Id);
                case AccessAction.Create or AccessAction.Update:
                    var id = action == AccessAction.Create ? "new-" + observation : observation;
                    _world.Gate.AuthorizeWrites(who, ctx, [new WriteIntent(action, "Observation", id, patient, Encoding.UTF8.GetBytes(FhirJson.Observation(id, patient)))]);
                    return (true, _world.Audit.Last.Id);
                default:
                    throw new ArgumentOutOfRangeException(nameof(action), action, "not in the table");
            }
        }
        catch (AccessDeniedException denied)
        {
            Assert.Equal(403, denied.StatusCode);
            Assert.NotEmpty(denied.Reasons);
            return (false, denied.AuditId);
        }
    }

    private static Accessor AccessorFor(CareLedgerRole role, string patient) => role switch
    {
        CareLedgerRole.Patient => GateWorld.Patient(patient),
        CareLedgerRole.Guardian => GateWorld.Delegate(role, AuthorisationWorld.Guardian, patient),
        CareLedgerRole.Caregiver => GateWorld.Delegate(role, AuthorisationWorld.Caregiver, patient),
        CareLedgerRole.Clinician => GateWorld.Clinician(),
        CareLedgerRole.Researcher => GateWorld.Researcher(),
        CareLedgerRole.System => GateWorld.System(),
        _ => GateWorld.Staff(role),
    };
}
