namespace CareLedger.Tests.AccessApi;

/// <summary>Someone calling the access API: what their access token says about them.</summary>
/// <param name="Subject">The token's <c>sub</c> (an account id).</param>
/// <param name="FhirUser">The resource they act as, relative (<c>Patient/p-1</c>); null for roles without one.</param>
/// <param name="PatientContext">The token's <c>patient</c> claim: the patient they are or act for.</param>
/// <param name="Scope">The SMART scopes their role would be granted.</param>
internal sealed record Person(string Subject, CareLedgerRole Role, string? FhirUser, string? PatientContext, string Scope)
{
    public const string PatientScopes = "launch/patient patient/*.rs patient/Consent.cruds";

    public static Person Patient(string id) => new($"acct-{id}", CareLedgerRole.Patient, $"Patient/{id}", id, PatientScopes);

    public static Person Guardian(string relatedPerson, string actsFor) =>
        new($"acct-{relatedPerson}", CareLedgerRole.Guardian, $"RelatedPerson/{relatedPerson}", actsFor, PatientScopes);

    public static Person Clinician(string practitioner) => new($"acct-{practitioner}", CareLedgerRole.Clinician, $"Practitioner/{practitioner}", null, "user/*.cruds");

    public static Person PrivacyOfficer { get; } =
        new("acct-privacy", CareLedgerRole.PrivacyOfficer, null, null, "user/AuditEvent.rs user/Consent.rs user/Provenance.rs");

    public static Person Researcher { get; } = new("acct-research", CareLedgerRole.Researcher, null, null, "user/ResearchStudy.cruds");
}
