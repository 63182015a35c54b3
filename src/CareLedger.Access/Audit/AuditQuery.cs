using CareLedger.Access.Gate;

namespace CareLedger.Access.Audit;

/// <summary>
/// A filter over the audit trail (every criterion that is set must match), answered newest first. Used by the privacy
/// officer ("every break-glass access this month", "every denial for this accessor").
/// </summary>
public sealed record AuditQuery
{
    public const int MaxLimit = 10_000;

    public string? AccessorSubject { get; init; }

    public AuditOutcome? Outcome { get; init; }

    public bool? BreakGlass { get; init; }

    public AccessAction? Action { get; init; }

    /// <summary>The patient's pseudonym (16 bytes).</summary>
    public byte[]? Patient { get; init; }

    /// <summary>Records at or after this time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Records before this time.</summary>
    public DateTimeOffset? To { get; init; }

    public int Limit { get; init; } = 100;
}
