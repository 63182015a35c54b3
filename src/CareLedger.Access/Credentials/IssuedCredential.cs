using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Credentials;

/// <summary>A credential this board issued: its current VC-JWT and its status as the ledger records it.</summary>
/// <param name="Jwt">The current (latest issued or renewed) <c>application/vc+jwt</c>.</param>
/// <param name="LedgerLeaf">The leaf of the latest status transaction.</param>
/// <param name="RevocationReason">The board's reason, kept by the board only (never on the ledger).</param>
public sealed record IssuedCredential(
    string Id,
    string PractitionerReference,
    string Jwt,
    CredentialStatusKind Status,
    DateTimeOffset ValidFrom,
    DateTimeOffset ValidUntil,
    long LedgerLeaf,
    string? RevocationReason);
