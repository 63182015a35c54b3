using CareLedger.Ledger.Crypto;

namespace CareLedger.Access.People;

/// <summary>
/// A person's own key was revoked on the ledger, so nothing can be signed with it any more (<see cref="PersonKeys"/>).
/// An <see cref="InvalidOperationException"/>, so that callers that treat every refusal of a key alike still do; the
/// door tells it apart to refuse a break-glass opening with a 403 rather than fail.
/// </summary>
public sealed class PersonKeyRevokedException(KeyId key, long revokedLeaf)
    : InvalidOperationException($"this subject's key {key} was revoked at leaf {revokedLeaf}")
{
    public KeyId Key { get; } = key;

    public long RevokedLeaf { get; } = revokedLeaf;
}
