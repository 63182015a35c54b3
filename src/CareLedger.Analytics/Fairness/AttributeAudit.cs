namespace CareLedger.Analytics.Fairness;

/// <summary>The audit for one categorical attribute (e.g. "sex"): every group's metrics and the Fairlearn disparities.</summary>
public sealed record AttributeAudit(
    string Attribute,
    IReadOnlyList<SubgroupMetrics> Groups,
    double DemographicParityDifference,
    double EqualizedOddsDifference);
