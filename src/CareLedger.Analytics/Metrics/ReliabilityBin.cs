namespace CareLedger.Analytics.Metrics;

/// <summary>One non-empty bin (Lower, Upper] of a reliability diagram.</summary>
public sealed record ReliabilityBin(double Lower, double Upper, int Count, double MeanPredicted, double FractionPositive);
