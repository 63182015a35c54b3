using CareLedger.Analytics.Fairness;

namespace CareLedger.Analytics.Tests.Fairness;

public class FairnessMetricsTests
{
    [Fact]
    public void Demographic_parity_difference_reproduces_the_Fairlearn_documentation()
    {
        var dpd = FairnessMetrics.DemographicParityDifference(FairlearnExample.YTrue, FairlearnExample.YPred, FairlearnExample.SensitiveFeatures);

        Assert.Equal(FairlearnExample.DocumentedDemographicParityDifference, dpd);
    }

    [Fact]
    public void Equalized_odds_difference_reproduces_the_Fairlearn_documentation()
    {
        var eod = FairnessMetrics.EqualizedOddsDifference(FairlearnExample.YTrue, FairlearnExample.YPred, FairlearnExample.SensitiveFeatures);

        Assert.Equal(FairlearnExample.DocumentedEqualizedOddsDifference, eod);
    }

    [Fact]
    public void Group_rates_of_the_Fairlearn_example_match_a_hand_count()
    {
        var rates = FairnessMetrics.RatesByGroup(FairlearnExample.YTrue, FairlearnExample.YPred, FairlearnExample.SensitiveFeatures);

        Assert.Equal(["a", "b", "c"], rates.Keys);
        // a: rows 2, 8, 9, 11 — truth 1,1,0,0, predicted 1,0,1,1
        Assert.Equal(new GroupRates(4, 2, 2, 0.75, 0.5, 1.0), rates["a"]);
        // b: rows 0, 1, 3, 4, 12, 15 — truth 0,1,1,1,1,1, predicted 0,0,0,1,1,1
        Assert.Equal(new GroupRates(6, 5, 1, 0.5, 0.6, 0.0), rates["b"]);
        // c: rows 5, 6, 7, 10, 13, 14, 16, 17 — truth 0,1,0,0,1,1,1,1, predicted 1,1,0,1,0,0,1,0
        Assert.Equal(8, rates["c"].Count);
        Assert.Equal(0.5, rates["c"].SelectionRate);
        Assert.Equal(0.4, rates["c"].TruePositiveRate, 15);
        Assert.Equal(2.0 / 3.0, rates["c"].FalsePositiveRate, 15);
    }

    [Fact]
    public void A_group_without_positives_has_a_true_positive_rate_of_zero_as_in_Fairlearn()
    {
        var rates = FairnessMetrics.RatesByGroup([false, false, true, true], [true, false, true, true], ["x", "x", "y", "y"]);

        Assert.Equal(0.0, rates["x"].TruePositiveRate);
        Assert.Equal(0.5, rates["x"].FalsePositiveRate);
        Assert.Equal(0.0, rates["y"].FalsePositiveRate);
        Assert.Equal(1.0, FairnessMetrics.EqualizedOddsDifference([false, false, true, true], [true, false, true, true], ["x", "x", "y", "y"]));
    }

    [Fact]
    public void Identical_groups_have_no_disparity()
    {
        bool[] truth = [true, false, true, false];
        bool[] predicted = [true, false, true, false];
        string[] groups = ["m", "m", "f", "f"];

        Assert.Equal(0.0, FairnessMetrics.DemographicParityDifference(truth, predicted, groups));
        Assert.Equal(0.0, FairnessMetrics.EqualizedOddsDifference(truth, predicted, groups));
    }

    [Fact]
    public void Mismatched_lengths_name_the_offending_argument()
    {
        var e = Assert.Throws<ArgumentException>(() => FairnessMetrics.DemographicParityDifference([true], [true], ["a", "b"]));
        Assert.Equal("sensitiveFeatures", e.ParamName);
    }
}
