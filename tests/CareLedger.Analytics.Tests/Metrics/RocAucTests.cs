using CareLedger.Analytics.Metrics;

namespace CareLedger.Analytics.Tests.Metrics;

public class RocAucTests
{
    [Fact]
    public void Matches_the_scikit_learn_documentation_example()
    {
        // sklearn.metrics.roc_auc_score docstring: y = [0, 0, 1, 1], scores = [0.1, 0.4, 0.35, 0.8] -> 0.75
        Assert.Equal(0.75, RocAuc.Compute([0.1, 0.4, 0.35, 0.8], [false, false, true, true]));
    }

    [Fact]
    public void Tied_scores_count_one_half_per_positive_negative_pair()
    {
        // Positives score {0.5, 0.9, 0.2}, negatives {0.5, 0.2}. Pairs (pos, neg):
        // (0.5,0.5)=½ (0.5,0.2)=1 (0.9,0.5)=1 (0.9,0.2)=1 (0.2,0.5)=0 (0.2,0.2)=½  -> 4 / 6
        double[] scores = [0.5, 0.5, 0.2, 0.9, 0.2];
        bool[] labels = [false, true, false, true, true];
        Assert.Equal(4.0 / 6.0, RocAuc.Compute(scores, labels), 15);
    }

    [Fact]
    public void All_scores_tied_give_one_half()
    {
        Assert.Equal(0.5, RocAuc.Compute([0.3, 0.3, 0.3, 0.3], [true, false, false, true]));
    }

    [Fact]
    public void Perfectly_reversed_scores_give_zero()
    {
        Assert.Equal(0.0, RocAuc.Compute([0.9, 0.8, 0.2, 0.1], [false, false, true, true]));
    }

    [Fact]
    public void A_single_class_is_rejected_with_a_reason()
    {
        var e = Assert.Throws<ArgumentException>(() => RocAuc.Compute([0.1, 0.2], [true, true]));
        Assert.Contains("positive and one negative", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mismatched_lengths_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => RocAuc.Compute([0.1, 0.2, 0.3], [true, false]));
    }

    [Fact]
    public void The_curve_has_one_corner_per_distinct_threshold_and_its_area_is_the_auroc()
    {
        double[] scores = [0.5, 0.5, 0.2, 0.9, 0.2];
        bool[] labels = [false, true, false, true, true];
        var curve = RocAuc.Curve(scores, labels);

        Assert.Equal([0, 0, 0.5, 1], curve.FalsePositiveRates);
        Assert.Equal([0, 1.0 / 3, 2.0 / 3, 1], curve.TruePositiveRates);
        Assert.Equal([double.PositiveInfinity, 0.9, 0.5, 0.2], curve.Thresholds);
        double trapezoid = 0;
        for (var i = 1; i < curve.FalsePositiveRates.Count; i++)
        {
            trapezoid += (curve.FalsePositiveRates[i] - curve.FalsePositiveRates[i - 1])
                * (curve.TruePositiveRates[i] + curve.TruePositiveRates[i - 1]) / 2;
        }

        Assert.Equal(RocAuc.Compute(scores, labels), trapezoid, 12);
    }
}
