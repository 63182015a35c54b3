namespace CareLedger.Ledger.Consortium.Evidence;

/// <summary>
/// A member cosigned two checkpoints of different sizes that are not consistent: the smaller tree is not a prefix
/// of the larger one, so the member signed a rewritten history.
/// </summary>
public sealed record Inconsistency(string Member, string MemberKey, string SmallerNote, string LargerNote)
    : ConsortiumEvidence(Member, MemberKey)
{
    public override string Description => $"member '{Member}' cosigned two checkpoints that are not consistent with each other";

    /// <summary>
    /// True when both notes carry a valid signature of <see cref="ConsortiumEvidence.MemberKey"/> on checkpoints of the
    /// same origin, the first smaller, and <paramref name="isConsistent"/> (old size, old root, new size, new root)
    /// rejects them; the caller supplies the check because the proof comes from its own copy of the tree.
    /// </summary>
    public bool Verify(Func<long, byte[], long, byte[], bool> isConsistent)
    {
        ArgumentNullException.ThrowIfNull(isConsistent);
        var smaller = SignedCheckpoint(SmallerNote, MemberKey);
        var larger = SignedCheckpoint(LargerNote, MemberKey);
        return smaller is not null && larger is not null
            && string.Equals(smaller.Origin, larger.Origin, StringComparison.Ordinal)
            && smaller.Size < larger.Size
            && !isConsistent(smaller.Size, smaller.RootHash, larger.Size, larger.RootHash);
    }
}
