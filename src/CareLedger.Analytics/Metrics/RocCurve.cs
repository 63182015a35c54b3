namespace CareLedger.Analytics.Metrics;

/// <summary>Points of a ROC curve; point i is reached by predicting positive when score ≥ Thresholds[i].</summary>
public sealed record RocCurve(IReadOnlyList<double> FalsePositiveRates, IReadOnlyList<double> TruePositiveRates, IReadOnlyList<double> Thresholds);
