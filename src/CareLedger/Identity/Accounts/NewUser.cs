namespace CareLedger.Identity.Accounts;

/// <summary>A person's account to create: who they are, which FHIR resource they act as, and their first password.</summary>
/// <param name="UserName">3-64 characters of a-z 0-9 . _ - @ (stored lowercase).</param>
/// <param name="FhirReference">The resource the person acts as, e.g. <c>Patient/123</c>; required for patients,
/// clinicians, guardians and caregivers.</param>
/// <param name="Password">At least <see cref="IdentityStore.MinimumPasswordLength"/> characters; only its hash is kept.</param>
public sealed record NewUser(string UserName, CareLedgerRole Role, string? FhirReference, string Password)
{
    /// <summary>For guardians and caregivers: the id of the patient they act for (their tokens' patient context).</summary>
    public string? ActsForPatient { get; init; }

    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"NewUser {{ Role = {Role.ToName()} }}";
}
