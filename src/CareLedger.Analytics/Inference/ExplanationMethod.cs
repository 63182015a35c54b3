namespace CareLedger.Analytics.Inference;

public enum ExplanationMethod
{
    /// <summary>Logistic regression: contribution_i = coefficient_i × standardised value_i; Σ contributions + intercept = logit(p) exactly.</summary>
    LinearExact = 1,

    /// <summary>
    /// Gradient-boosted trees: ML.NET's FeatureContributionCalculation (for each tree, the change in output attributed to the
    /// features split on along the example's path). Signs and ranking are meaningful; the values do not sum to the score.
    /// </summary>
    TreePathAttribution = 2,
}
