using CareLedger.Consent.Decisions;

namespace CareLedger.Consent.Evaluation;

/// <summary>A decision in the making: its effect, the reason that settled it and its obligations.</summary>
internal readonly record struct Verdict(DecisionEffect Effect, DecisionReason Deciding, IReadOnlyList<Obligation> Obligations)
{
    public static IReadOnlyList<Obligation> NoObligations { get; } = [];

    public static Verdict Permit(DecisionReason reason) => new(DecisionEffect.Permit, reason, NoObligations);

    public static Verdict Deny(DecisionReason reason) => new(DecisionEffect.Deny, reason, NoObligations);

    public ConsentDecision ToDecision(List<DecisionReason> reasons) => new(Effect, Deciding, reasons, Obligations);
}
