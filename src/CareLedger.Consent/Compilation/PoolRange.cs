namespace CareLedger.Consent.Compilation;

/// <summary>A slice of one of a compiled set's pools.</summary>
internal readonly record struct PoolRange(int Offset, int Count)
{
    public int End => Offset + Count;
}
