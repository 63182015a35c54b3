using CareLedger.Consent.Model;
using CareLedger.Consent.Requests;
using CareLedger.Consent.Vocabulary;

namespace CareLedger.Consent.Tests.Fixtures;

/// <summary>The people, codes and instants that the tables are written in.</summary>
internal static class Given
{
    public static readonly PatientId Patient = new("Patient/p-1");
    public static readonly DateTimeOffset Now = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);

    public static readonly Coding DoctorRole = new("http://terminology.hl7.org/CodeSystem/practitioner-role", "doctor");
    public static readonly Coding ResearcherRole = new("http://terminology.hl7.org/CodeSystem/practitioner-role", "researcher");
    public static readonly Coding HeartRate = new("http://loinc.org", "8867-4");
    public static readonly Coding HivTest = new("http://loinc.org", "7917-8");
    public static readonly Coding LabProfile = new("http://hl7.org/fhir/uv/ips", "Observation-results-laboratory-uv-ips");

    public static Coding Observation { get; } = ResourceClasses.OfType("Observation");

    /// <summary>A doctor of hospital A on the patient's care team.</summary>
    public static Requester DoctorA { get; } = new("Practitioner/dr-a")
    {
        Roles = [DoctorRole],
        Organization = "Organization/hosp-a",
        Groups = ["CareTeam/ct-1"],
        IsCareTeamMember = true,
    };

    /// <summary>Another doctor of hospital A, not on the care team.</summary>
    public static Requester DoctorC { get; } = new("Practitioner/dr-c") { Roles = [DoctorRole], Organization = "Organization/hosp-a" };

    /// <summary>A doctor of hospital B, not on the care team.</summary>
    public static Requester DoctorB { get; } = new("Practitioner/dr-b") { Roles = [DoctorRole], Organization = "Organization/hosp-b" };

    public static Requester Researcher { get; } = new("Practitioner/res-1") { Roles = [ResearcherRole], Organization = "Organization/inst-r" };

    public static Requester Parent { get; } = new("RelatedPerson/parent-1") { Roles = [DelegateRoles.Guardian] };

    public static Requester Carer { get; } = new("RelatedPerson/carer-1");

    /// <summary>Doctor A reads a heart-rate observation from March for treatment.</summary>
    public static AccessRequest Read { get; } = new(
        Patient,
        DoctorA,
        ConsentActions.Access,
        PurposesOfUse.Treatment,
        new RequestedResource("Observation")
        {
            Codes = [HeartRate],
            DataTime = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero),
            Reference = "Observation/obs-1",
            References = ["Encounter/enc-9"],
            ReferencedBy = [],
            Authors = ["Practitioner/dr-z"],
        },
        Now);

    public static DelegationScope ReadObservations { get; } = new()
    {
        Period = new Period(Now.AddYears(-1), Now.AddYears(1)),
        Actions = [ConsentActions.Access],
        Classes = [Observation],
    };

    public static BreakGlassFacts ValidBreakGlass { get; } = new(CredentialValid: true, "Unconscious patient in the ED", Now.AddHours(2));

    public static ProvisionNode Permit(params ProvisionNode[] exceptions) => new(ProvisionType.Permit) { Provisions = exceptions };

    public static ProvisionNode Deny(params ProvisionNode[] exceptions) => new(ProvisionType.Deny) { Provisions = exceptions };

    public static ProvisionActor Actor(string reference) => new(null, reference);

    public static ProvisionActor ActorRole(Coding role) => new(role, null);

    public static ConsentDirective Privacy(string id, ProvisionNode provision, ConsentStatus status = ConsentStatus.Active) =>
        new(new ConsentId(id), Patient, status, ConsentScopes.PatientPrivacy, provision);

    public static ConsentDirective Research(string id, ProvisionNode provision) =>
        new(new ConsentId(id), Patient, ConsentStatus.Active, ConsentScopes.Research, provision);
}
