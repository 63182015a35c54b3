using CareLedger.Analytics.Metrics;

namespace CareLedger.Analytics.Validation;

/// <summary>Per-fold metrics, their summary, and each row's prediction from the model that did not see it.</summary>
public sealed record CrossValidationResult(
    ValidationSummary Summary,
    IReadOnlyList<ModelMetrics> Folds,
    IReadOnlyList<double> OutOfFoldProbabilities);
