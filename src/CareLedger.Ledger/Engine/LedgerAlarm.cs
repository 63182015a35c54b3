namespace CareLedger.Ledger.Engine;

/// <summary>
/// Why a consortium member stopped accepting writes (ADR 0005): the kind, the member named by the evidence (if any),
/// one line for an operator (member, sizes, roots — never personal data), and the signed notes that prove it,
/// each of which re-verifies offline against the member's cosigner key.
/// </summary>
public sealed record LedgerAlarm(string Kind, string? Member, string Description, DateTimeOffset RaisedAt, IReadOnlyList<string> Notes)
{
    /// <summary>A member cosigned two different roots for one tree size.</summary>
    public const string Equivocation = "equivocation";

    /// <summary>A member cosigned a root that differs from this member's root for the same size.</summary>
    public const string Divergence = "divergence";

    /// <summary>A member cosigned two checkpoints that are not consistent with each other.</summary>
    public const string Inconsistency = "inconsistency";

    /// <summary>The stream contradicts this member's log or what it cosigned.</summary>
    public const string StreamContradictsLog = "stream-contradicts-log";
}
