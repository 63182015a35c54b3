namespace CareLedger.Ledger.Consortium.Evidence;

/// <summary>One member cosigned two different roots for the same tree size.</summary>
public sealed record Equivocation(string Member, string MemberKey, long Size, string FirstNote, string SecondNote)
    : ConsortiumEvidence(Member, MemberKey)
{
    public override string Description =>
        $"member '{Member}' cosigned two different roots for tree size {Size}";

    /// <summary>True when both notes carry a valid signature of <see cref="ConsortiumEvidence.MemberKey"/> on checkpoints of the same origin and size with different roots.</summary>
    public bool Verify()
    {
        var first = SignedCheckpoint(FirstNote, MemberKey);
        var second = SignedCheckpoint(SecondNote, MemberKey);
        return first is not null && second is not null
            && string.Equals(first.Origin, second.Origin, StringComparison.Ordinal)
            && first.Size == Size && second.Size == Size
            && !first.RootHash.AsSpan().SequenceEqual(second.RootHash);
    }
}
