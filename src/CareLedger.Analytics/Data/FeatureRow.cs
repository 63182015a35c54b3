namespace CareLedger.Analytics.Data;

/// <summary>
/// One released training or scoring example: feature values in the table's column order (NaN means missing),
/// the outcome, and the categorical attributes that the bias audit groups by (sex, age band, ethnicity ...).
/// </summary>
public sealed record FeatureRow(float[] Features, bool Label, IReadOnlyDictionary<string, string> Attributes)
{
    public FeatureRow(float[] features, bool label)
        : this(features, label, EmptyAttributes)
    {
    }

    private static readonly IReadOnlyDictionary<string, string> EmptyAttributes = new Dictionary<string, string>();
}
