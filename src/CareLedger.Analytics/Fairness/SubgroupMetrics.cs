using CareLedger.Analytics.Metrics;

namespace CareLedger.Analytics.Fairness;

/// <summary>One subgroup's performance. Auroc is null when the group lacks positives or negatives.</summary>
public sealed record SubgroupMetrics(
    string Group,
    int Count,
    int Positives,
    double? Auroc,
    double TruePositiveRate,
    double FalsePositiveRate,
    double SelectionRate,
    double ExpectedCalibrationError,
    IReadOnlyList<ReliabilityBin> Reliability);
