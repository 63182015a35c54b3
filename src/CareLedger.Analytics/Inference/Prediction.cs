namespace CareLedger.Analytics.Inference;

/// <summary>
/// A risk estimate with its explanation. Score is the model's raw output (the logit for logistic regression);
/// Intercept is set for logistic regression only.
/// </summary>
public sealed record Prediction(
    double Probability,
    double Score,
    double? Intercept,
    ExplanationMethod Method,
    IReadOnlyList<FeatureContribution> Contributions)
{
    /// <summary>Contributions from the largest absolute value down, for displaying the top reasons.</summary>
    public IEnumerable<FeatureContribution> ByImportance() =>
        Contributions.OrderByDescending(c => Math.Abs(c.Contribution)).ThenBy(c => c.Feature, StringComparer.Ordinal);
}
