namespace CareLedger.Analytics.Inference;

/// <summary>One feature's part in a prediction. Value is as supplied (NaN = missing, imputed); ModelInput is what the model saw.</summary>
public sealed record FeatureContribution(string Feature, double Value, double ModelInput, double Contribution);
