using CareLedger.Consent.Decisions;

namespace CareLedger.Consent.Compilation;

/// <summary>
/// A provision laid out for evaluation. Provisions of a consent are stored in pre-order, so a provision's subtree is
/// the index range [its index, <see cref="SubtreeEnd"/>) and its first child, if any, follows it directly.
/// </summary>
internal readonly struct CompiledProvision
{
    public required int SubtreeEnd { get; init; }

    public required bool IsDeny { get; init; }

    /// <summary>How many provisions on the path from the base provision to this one narrow who, what, why or which data.</summary>
    public required int Specificity { get; init; }

    public required ProvisionDimensions Constrained { get; init; }

    /// <summary>UTC ticks, half-open; <see cref="long.MinValue"/> / <see cref="long.MaxValue"/> when open.</summary>
    public required long PeriodStart { get; init; }

    public required long PeriodEnd { get; init; }

    public required long DataPeriodStart { get; init; }

    public required long DataPeriodEnd { get; init; }

    public required PoolRange Actors { get; init; }

    public required PoolRange Actions { get; init; }

    public required PoolRange Labels { get; init; }

    public required PoolRange Purposes { get; init; }

    public required PoolRange Classes { get; init; }

    public required PoolRange Codes { get; init; }

    public required PoolRange Data { get; init; }

    /// <summary>A deny whose purposes name ETREAT: the patient refused emergency access in advance.</summary>
    public required bool RefusesEmergencyAccess { get; init; }

    /// <summary>The reason given when this provision decides for its consent.</summary>
    public required DecisionReason Decided { get; init; }
}
