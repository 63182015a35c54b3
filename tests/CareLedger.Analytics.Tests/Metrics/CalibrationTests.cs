using CareLedger.Analytics.Metrics;

namespace CareLedger.Analytics.Tests.Metrics;

public class CalibrationTests
{
    [Fact]
    public void Expected_calibration_error_weights_each_bin_gap_by_its_share_of_examples()
    {
        // Bin (0.1, 0.2]: predictions 0.15, 0.15, outcomes 0, 1 -> |0.5 - 0.15| = 0.35, weight 2/4
        // Bin (0.8, 0.9]: predictions 0.85, 0.9, outcomes 1, 1 -> |1 - 0.875| = 0.125, weight 2/4
        var calibration = Calibration.Compute([0.15, 0.15, 0.85, 0.9], [false, true, true, true]);

        Assert.Equal(0.5 * 0.35 + 0.5 * 0.125, calibration.ExpectedCalibrationError, 12);
        Assert.Equal(2, calibration.Bins.Count);
        Assert.Equal(new ReliabilityBin(0.1, 0.2, 2, 0.15, 0.5), calibration.Bins[0]);
        Assert.Equal(0.875, calibration.Bins[1].MeanPredicted, 12);
        var brier = (0.15 * 0.15 + 0.85 * 0.85 + 0.15 * 0.15 + 0.01) / 4;
        Assert.Equal(brier, calibration.BrierScore, 12);
    }

    [Fact]
    public void Bin_edges_belong_to_the_lower_bin_as_in_scikit_learn()
    {
        var calibration = Calibration.Compute([0.0, 0.1, 0.3, 1.0], [false, false, true, true]);

        Assert.Equal([0.0, 0.2, 0.9], calibration.Bins.Select(b => b.Lower).ToArray(), new ToleranceComparer(1e-12));
        Assert.Equal([2, 1, 1], calibration.Bins.Select(b => b.Count).ToArray());
    }

    [Fact]
    public void Probabilities_outside_zero_to_one_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Calibration.Compute([0.2, 1.2], [false, true]));
        Assert.Contains("[1]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_metrics_count_decisions_at_the_threshold()
    {
        var metrics = ModelMetrics.Compute([0.9, 0.6, 0.4, 0.2, 0.7], [true, false, true, false, true], threshold: 0.5);

        Assert.Equal(5, metrics.Count);
        Assert.Equal(3, metrics.Positives);
        Assert.Equal(3.0 / 5, metrics.Accuracy, 12);     // 0.9 TP, 0.6 FP, 0.4 FN, 0.2 TN, 0.7 TP
        Assert.Equal(2.0 / 3, metrics.Sensitivity, 12);
        Assert.Equal(1.0 / 2, metrics.Specificity, 12);
        Assert.Equal(5.0 / 6, metrics.Auroc, 12);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
