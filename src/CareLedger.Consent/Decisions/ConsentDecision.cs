namespace CareLedger.Consent.Decisions;

/// <summary>A decision with everything that explains it.</summary>
public sealed class ConsentDecision
{
    internal ConsentDecision(
        DecisionEffect effect,
        DecisionReason decidingReason,
        IReadOnlyList<DecisionReason> reasons,
        IReadOnlyList<Obligation> obligations)
    {
        Effect = effect;
        DecidingReason = decidingReason;
        Reasons = reasons;
        Obligations = obligations;
    }

    public DecisionEffect Effect { get; }

    public bool IsPermitted => Effect != DecisionEffect.Deny;

    public bool IsBreakGlass => Effect == DecisionEffect.BreakGlassPermit;

    /// <summary>The reason that settled the decision (also present in <see cref="Reasons"/>).</summary>
    public DecisionReason DecidingReason { get; }

    /// <summary>Every reason, in evaluation order: one per consent of the patient, then defaults, delegation and break-glass.</summary>
    public IReadOnlyList<DecisionReason> Reasons { get; }

    /// <summary>Duties that come with a permit (never present on a deny).</summary>
    public IReadOnlyList<Obligation> Obligations { get; }

    public override string ToString() => $"{Effect}: {DecidingReason.Message}";
}
