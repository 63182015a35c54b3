namespace CareLedger.Analytics.Tests.Fairness;

/// <summary>
/// The input arrays of Fairlearn's user guide, "Common fairness metrics"
/// (docs/user_guide/assessment/common_fairness_metrics.rst, https://fairlearn.org/main/user_guide/assessment/common_fairness_metrics.html),
/// whose doctests print demographic_parity_difference = 0.25 and equalized_odds_difference = 1.0.
/// </summary>
internal static class FairlearnExample
{
    public static readonly bool[] YTrue = Bools(0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1);
    public static readonly bool[] YPred = Bools(0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0);
    public static readonly string[] SensitiveFeatures = ["b", "b", "a", "b", "b", "c", "c", "c", "a", "a", "c", "a", "b", "c", "c", "b", "c", "c"];

    public const double DocumentedDemographicParityDifference = 0.25;
    public const double DocumentedEqualizedOddsDifference = 1.0;

    private static bool[] Bools(params int[] values) => values.Select(v => v == 1).ToArray();
}
