using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.State;

/// <summary>
/// The ledger's view of one credential: its latest status. <see cref="Digest"/> and <see cref="ValidUntilUnixMs"/> are
/// those of the latest Issued or Renewed credential (a revocation keeps them); <see cref="Leaf"/> is the leaf of the
/// latest status transaction.
/// </summary>
public sealed record CredentialState(byte[] IdHash, CredentialStatusKind Status, byte[] Digest, long ValidUntilUnixMs, KeyId IssuerKey, long Leaf)
{
    public bool IsRevoked => Status == CredentialStatusKind.Revoked;

    public DateTimeOffset ValidUntil => DateTimeOffset.FromUnixTimeMilliseconds(ValidUntilUnixMs);
}
