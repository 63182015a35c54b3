namespace CareLedger.Ledger.Consortium.Evidence;

/// <summary>A member cosigned a checkpoint whose root differs from the root this node computed for the same size.</summary>
public sealed record Divergence(string Member, string MemberKey, long Size, byte[] LocalRoot, string Note)
    : ConsortiumEvidence(Member, MemberKey)
{
    public override string Description =>
        $"member '{Member}' cosigned root {Convert.ToHexString(SignedRoot())} for tree size {Size}; the local root is {Convert.ToHexString(LocalRoot)}";

    /// <summary>True when the note carries a valid signature of <see cref="ConsortiumEvidence.MemberKey"/> on a checkpoint of <see cref="Size"/> whose root is not <see cref="LocalRoot"/>.</summary>
    public bool Verify()
    {
        var checkpoint = SignedCheckpoint(Note, MemberKey);
        return checkpoint is not null && checkpoint.Size == Size && !checkpoint.RootHash.AsSpan().SequenceEqual(LocalRoot);
    }

    private byte[] SignedRoot() => SignedCheckpoint(Note, MemberKey)?.RootHash ?? [];
}
