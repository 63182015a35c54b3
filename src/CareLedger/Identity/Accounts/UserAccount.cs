namespace CareLedger.Identity.Accounts;

/// <summary>A person's account as the store shows it (never the password hash).</summary>
/// <param name="Id">Opaque and stable; the <c>sub</c> claim of the person's tokens.</param>
/// <param name="PatientId">The patient context of the person's tokens: their own id for a patient, the patient
/// they act for for a guardian or caregiver, null otherwise.</param>
public sealed record UserAccount(
    string Id,
    string UserName,
    CareLedgerRole Role,
    FhirReference? Reference,
    string? PatientId,
    DateTimeOffset CreatedAt);
