namespace CareLedger.Analytics.Metrics;

/// <summary>Discrimination and calibration of one set of predictions; class decisions use probability ≥ Threshold.</summary>
public sealed record ModelMetrics(
    int Count,
    int Positives,
    double Threshold,
    double Auroc,
    double Accuracy,
    double Sensitivity,
    double Specificity,
    double ExpectedCalibrationError,
    double BrierScore,
    IReadOnlyList<ReliabilityBin> Reliability)
{
    public const double DefaultThreshold = 0.5;

    public static ModelMetrics Compute(IReadOnlyList<double> probabilities, IReadOnlyList<bool> labels, double threshold = DefaultThreshold)
    {
        InputCheck.SameLength(probabilities, nameof(probabilities), labels, nameof(labels));
        InputCheck.Probabilities(probabilities, nameof(probabilities));
        if (!(threshold > 0 && threshold < 1))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The decision threshold must be strictly between 0 and 1.");
        var (positives, negatives) = InputCheck.CountClasses(labels);
        if (positives == 0 || negatives == 0)
            throw new ArgumentException("Model metrics need at least one positive and one negative example.", nameof(labels));

        int truePositives = 0, trueNegatives = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            var predicted = probabilities[i] >= threshold;
            if (predicted && labels[i])
                truePositives++;
            else if (!predicted && !labels[i])
                trueNegatives++;
        }

        var calibration = Calibration.Compute(probabilities, labels);
        return new ModelMetrics(
            labels.Count,
            positives,
            threshold,
            RocAuc.Compute(probabilities, labels),
            (double)(truePositives + trueNegatives) / labels.Count,
            (double)truePositives / positives,
            (double)trueNegatives / negatives,
            calibration.ExpectedCalibrationError,
            calibration.BrierScore,
            calibration.Bins);
    }
}
