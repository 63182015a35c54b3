namespace CareLedger.Ledger.State;

/// <summary>The outcome of the stateful rules for one transaction at its would-be leaf.</summary>
internal readonly record struct RuleVerdict(RuleOutcome Outcome, long LeafIndex, byte[]? LeafHash, string? Code, string? Message)
{
    public static RuleVerdict Accepted(long leafIndex) => new(RuleOutcome.Accepted, leafIndex, null, null, null);

    public static RuleVerdict AlreadyApplied(long leafIndex, byte[] leafHash) => new(RuleOutcome.AlreadyApplied, leafIndex, leafHash, null, null);

    public static RuleVerdict Rejected(string code, string message) => new(RuleOutcome.Rejected, -1, null, code, message);
}
