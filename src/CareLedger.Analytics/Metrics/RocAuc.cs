namespace CareLedger.Analytics.Metrics;

/// <summary>
/// Area under the ROC curve as the Mann-Whitney statistic: the probability that a random positive scores higher than a
/// random negative, ties counting one half (identical to scikit-learn's roc_auc_score for binary labels).
/// </summary>
public static class RocAuc
{
    public static double Compute(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        InputCheck.SameLength(scores, nameof(scores), labels, nameof(labels));
        InputCheck.FiniteScores(scores, nameof(scores));
        var (positives, negatives) = InputCheck.CountClasses(labels);
        if (positives == 0 || negatives == 0)
            throw new ArgumentException("AUROC needs at least one positive and one negative example.", nameof(labels));

        var order = Enumerable.Range(0, scores.Count).ToArray();
        Array.Sort(order, (a, b) => scores[a].CompareTo(scores[b]));

        // Rank sum of the positives with tied scores sharing their average (mid) rank.
        double positiveRankSum = 0;
        var start = 0;
        while (start < order.Length)
        {
            var end = start;
            while (end + 1 < order.Length && scores[order[end + 1]] == scores[order[start]])
                end++;
            var midRank = (start + end + 2) / 2.0;
            for (var i = start; i <= end; i++)
            {
                if (labels[order[i]])
                    positiveRankSum += midRank;
            }

            start = end + 1;
        }

        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// <summary>The ROC curve's corner points, from (0,0) to (1,1), one per distinct score threshold.</summary>
    public static RocCurve Curve(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        InputCheck.SameLength(scores, nameof(scores), labels, nameof(labels));
        InputCheck.FiniteScores(scores, nameof(scores));
        var (positives, negatives) = InputCheck.CountClasses(labels);
        if (positives == 0 || negatives == 0)
            throw new ArgumentException("A ROC curve needs at least one positive and one negative example.", nameof(labels));

        var order = Enumerable.Range(0, scores.Count).ToArray();
        Array.Sort(order, (a, b) => scores[b].CompareTo(scores[a]));
        var fpr = new List<double> { 0 };
        var tpr = new List<double> { 0 };
        var thresholds = new List<double> { double.PositiveInfinity };
        int truePositives = 0, falsePositives = 0;
        for (var i = 0; i < order.Length; i++)
        {
            if (labels[order[i]])
                truePositives++;
            else
                falsePositives++;
            var lastOfTie = i + 1 == order.Length || scores[order[i + 1]] != scores[order[i]];
            if (lastOfTie)
            {
                fpr.Add((double)falsePositives / negatives);
                tpr.Add((double)truePositives / positives);
                thresholds.Add(scores[order[i]]);
            }
        }

        return new RocCurve(fpr, tpr, thresholds);
    }
}
