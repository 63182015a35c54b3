namespace CareLedger.Consent.Requests;

/// <summary>An emergency-access claim. The caller has checked the credential; the engine checks the policy.</summary>
/// <param name="CredentialValid">The requester holds a valid clinical credential (checked by the caller against the ledger).</param>
/// <param name="Reason">The clinician's stated reason; required and never empty.</param>
/// <param name="ExpiresAt">When the emergency access ends; must be in the future and within the profile's maximum.</param>
public sealed record BreakGlassFacts(bool CredentialValid, string Reason, DateTimeOffset ExpiresAt);
