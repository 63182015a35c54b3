namespace CareLedger.Analytics.Inference;

/// <summary>Logistic-regression coefficients on the standardised features, in feature order, and the intercept.</summary>
public sealed record LinearModel(IReadOnlyList<double> Weights, double Intercept);
