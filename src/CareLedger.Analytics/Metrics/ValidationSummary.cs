namespace CareLedger.Analytics.Metrics;

/// <summary>
/// What a model card records about validation: per-fold means (population standard deviation for AUROC) and the
/// metrics of all out-of-fold predictions pooled, which is where calibration is measured.
/// </summary>
public sealed record ValidationSummary(
    int Folds,
    double MeanAuroc,
    double AurocStandardDeviation,
    double MeanAccuracy,
    double MeanSensitivity,
    double MeanSpecificity,
    ModelMetrics OutOfFold)
{
    public static ValidationSummary FromFolds(IReadOnlyList<ModelMetrics> folds, ModelMetrics pooled)
    {
        ArgumentNullException.ThrowIfNull(folds);
        ArgumentNullException.ThrowIfNull(pooled);
        if (folds.Count == 0)
            throw new ArgumentException("At least one fold is required.", nameof(folds));
        var meanAuroc = folds.Average(f => f.Auroc);
        var sd = Math.Sqrt(folds.Average(f => (f.Auroc - meanAuroc) * (f.Auroc - meanAuroc)));
        return new ValidationSummary(
            folds.Count,
            meanAuroc,
            sd,
            folds.Average(f => f.Accuracy),
            folds.Average(f => f.Sensitivity),
            folds.Average(f => f.Specificity),
            pooled);
    }

    /// <summary>A single hold-out evaluation, e.g. of an imaging model an institution brings, on local consented data.</summary>
    public static ValidationSummary FromHoldOut(ModelMetrics holdOut)
    {
        ArgumentNullException.ThrowIfNull(holdOut);
        return new ValidationSummary(1, holdOut.Auroc, 0, holdOut.Accuracy, holdOut.Sensitivity, holdOut.Specificity, holdOut);
    }
}
