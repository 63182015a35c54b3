using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Credentials;

/// <summary>
/// The answer to "is this credential valid now?", for anyone. Each reason completes the sentence "the credential …"
/// (<c>was revoked at leaf 812</c>, <c>expired at 2027-01-31T00:00:00Z</c>); valid means no reason.
/// </summary>
/// <param name="Status">The ledger's latest status of the credential id, if the ledger knows it.</param>
/// <param name="ValidUntil">The ledger's valid-until when it knows the credential, else the document's.</param>
/// <param name="LedgerLeaf">The leaf of the latest status transaction.</param>
public sealed record CredentialVerification(
    bool Valid,
    IReadOnlyList<string> Reasons,
    string? CredentialId,
    CredentialStatusKind? Status,
    DateTimeOffset? ValidUntil,
    long? LedgerLeaf)
{
    /// <summary>The decoded credential, when it could be read (whether valid or not).</summary>
    public PractitionerLicenceCredential? Credential { get; init; }
}
