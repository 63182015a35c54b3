using CareLedger.Ledger.Crypto;

namespace CareLedger.Access.Credentials;

/// <summary>A row of credentials.db.</summary>
/// <param name="Jwt">The current VC-JWT, known to be on the ledger; null while the first issue is pending.</param>
/// <param name="PendingJwt">Signed and submitted, not yet known to be on the ledger (settled on open).</param>
internal sealed record StoredCredential(
    string Id,
    string PractitionerReference,
    KeyId IssuerKey,
    string? Jwt,
    string? PendingJwt,
    string? RevocationReason);
