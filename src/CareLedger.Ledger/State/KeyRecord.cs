using CareLedger.Ledger.Crypto;

namespace CareLedger.Ledger.State;

/// <summary>A registered author key; <see cref="RevokedLeaf"/> is the leaf of its revocation, if any.</summary>
public sealed record KeyRecord(KeyId Id, byte[] PublicKeySpki, string Role, string Label, long RegisteredLeaf, long? RevokedLeaf)
{
    public bool IsRevoked => RevokedLeaf is not null;
}
