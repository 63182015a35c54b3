namespace CareLedger.Analytics.Metrics;

/// <summary>How far predicted probabilities are from observed frequencies.</summary>
public sealed record Calibration(double ExpectedCalibrationError, double BrierScore, IReadOnlyList<ReliabilityBin> Bins)
{
    public const int DefaultBinCount = 10;

    /// <summary>
    /// Equal-width bins (0, 1/B], (1/B, 2/B], ... (probability 0 falls in the first bin), as scikit-learn's
    /// calibration_curve(strategy="uniform"); ECE = Σ_b (n_b / N) · |fraction positive_b − mean predicted_b| (Guo et al. 2017).
    /// </summary>
    public static Calibration Compute(IReadOnlyList<double> probabilities, IReadOnlyList<bool> labels, int binCount = DefaultBinCount)
    {
        InputCheck.SameLength(probabilities, nameof(probabilities), labels, nameof(labels));
        InputCheck.Probabilities(probabilities, nameof(probabilities));
        if (probabilities.Count == 0)
            throw new ArgumentException("Calibration needs at least one prediction.", nameof(probabilities));
        if (binCount is < 1 or > 1000)
            throw new ArgumentOutOfRangeException(nameof(binCount), binCount, "The number of bins must be between 1 and 1000.");

        var counts = new int[binCount];
        var sumPredicted = new double[binCount];
        var sumPositive = new double[binCount];
        double brier = 0;
        for (var i = 0; i < probabilities.Count; i++)
        {
            var p = probabilities[i];
            var y = labels[i] ? 1.0 : 0.0;
            var bin = BinOf(p, binCount);
            counts[bin]++;
            sumPredicted[bin] += p;
            sumPositive[bin] += y;
            brier += (p - y) * (p - y);
        }

        var bins = new List<ReliabilityBin>();
        double ece = 0;
        for (var b = 0; b < binCount; b++)
        {
            if (counts[b] == 0)
                continue;
            var meanPredicted = sumPredicted[b] / counts[b];
            var fractionPositive = sumPositive[b] / counts[b];
            ece += (double)counts[b] / probabilities.Count * Math.Abs(fractionPositive - meanPredicted);
            bins.Add(new ReliabilityBin((double)b / binCount, (double)(b + 1) / binCount, counts[b], meanPredicted, fractionPositive));
        }

        return new Calibration(ece, brier / probabilities.Count, bins);
    }

    private static int BinOf(double p, int binCount)
    {
        for (var b = 0; b < binCount - 1; b++)
        {
            if (p <= (double)(b + 1) / binCount)
                return b;
        }

        return binCount - 1;
    }
}
