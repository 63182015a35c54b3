using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.State;

/// <summary>The one definition of how a status transaction changes a credential's state, shared by the rules' overlay and by apply.</summary>
internal static class CredentialTransitions
{
    /// <param name="current">The state before; null only for <see cref="CredentialStatusKind.Issued"/>.</param>
    public static CredentialState Next(CredentialState? current, CredentialStatusPayload status, KeyId author, long leaf) => status.Status switch
    {
        CredentialStatusKind.Issued => new CredentialState(status.CredentialIdHash, CredentialStatusKind.Issued, status.CredentialDigest, status.ValidUntilUnixMs, author, leaf),
        CredentialStatusKind.Renewed => Existing(current, leaf) with
        {
            Status = CredentialStatusKind.Renewed,
            Digest = status.CredentialDigest,
            ValidUntilUnixMs = status.ValidUntilUnixMs,
            Leaf = leaf,
        },
        CredentialStatusKind.Revoked => Existing(current, leaf) with { Status = CredentialStatusKind.Revoked, Leaf = leaf },
        _ => throw new InvalidOperationException($"leaf {leaf}: credential status {status.Status} is unknown"),
    };

    private static CredentialState Existing(CredentialState? current, long leaf) =>
        current ?? throw new InvalidOperationException($"leaf {leaf} changes the status of a credential that was never issued");
}
