namespace CareLedger.Analytics.Fairness;

/// <summary>The bias section of a model card (capability A5). Decisions are probability ≥ Threshold.</summary>
public sealed record BiasReport(double Threshold, IReadOnlyList<AttributeAudit> Attributes);
