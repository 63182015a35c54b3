using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Consortium;
using CareLedger.Ledger.Crypto;

namespace CareLedger.Ledger.State;

/// <summary>
/// A member of a consortium network as the ledger holds it: in force for checkpoints of sizes greater than
/// <see cref="FromLeaf"/> and, once it left, up to <see cref="UntilLeaf"/> (governance sets it; genesis members have none).
/// </summary>
public sealed record MemberRecord(string Name, string Organisation, KeyId OrganisationKey, KeyId NodeKey, string CosignerVerifierKey, long FromLeaf, long? UntilLeaf)
{
    /// <summary>Whether the member belongs to the member set that judges a checkpoint of <paramref name="treeSize"/> leaves.</summary>
    public bool InForceAt(long treeSize) => treeSize > FromLeaf && (UntilLeaf is not { } until || treeSize <= until);

    public ConsortiumMember ToCosigner() => new(Name, VerifierKey.Parse(CosignerVerifierKey));
}
