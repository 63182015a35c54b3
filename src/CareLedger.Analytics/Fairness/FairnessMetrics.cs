using CareLedger.Analytics.Metrics;

namespace CareLedger.Analytics.Fairness;

/// <summary>
/// Group fairness of binary decisions, defined exactly as Fairlearn's fairlearn.metrics functions with their defaults
/// (method="between_groups", agg="worst_case").
/// </summary>
public static class FairnessMetrics
{
    /// <summary>Largest minus smallest group selection rate P(ŷ=1 | A=a).</summary>
    public static double DemographicParityDifference(IReadOnlyList<bool> yTrue, IReadOnlyList<bool> yPred, IReadOnlyList<string> sensitiveFeatures)
    {
        var rates = RatesByGroup(yTrue, yPred, sensitiveFeatures).Values;
        return rates.Max(r => r.SelectionRate) - rates.Min(r => r.SelectionRate);
    }

    /// <summary>
    /// The larger of the true-positive-rate difference and the false-positive-rate difference, each the largest minus the
    /// smallest group rate.
    /// </summary>
    public static double EqualizedOddsDifference(IReadOnlyList<bool> yTrue, IReadOnlyList<bool> yPred, IReadOnlyList<string> sensitiveFeatures)
    {
        var rates = RatesByGroup(yTrue, yPred, sensitiveFeatures).Values;
        var tprDifference = rates.Max(r => r.TruePositiveRate) - rates.Min(r => r.TruePositiveRate);
        var fprDifference = rates.Max(r => r.FalsePositiveRate) - rates.Min(r => r.FalsePositiveRate);
        return Math.Max(tprDifference, fprDifference);
    }

    /// <summary>Rates per group, groups in ordinal order of their names.</summary>
    public static IReadOnlyDictionary<string, GroupRates> RatesByGroup(IReadOnlyList<bool> yTrue, IReadOnlyList<bool> yPred, IReadOnlyList<string> sensitiveFeatures)
    {
        InputCheck.SameLength(yTrue, nameof(yTrue), yPred, nameof(yPred));
        InputCheck.SameLength(yTrue, nameof(yTrue), sensitiveFeatures, nameof(sensitiveFeatures));
        if (yTrue.Count == 0)
            throw new ArgumentException("Fairness metrics need at least one example.", nameof(yTrue));

        var tallies = new SortedDictionary<string, int[]>(StringComparer.Ordinal); // count, positives, selected, true positives, false positives
        for (var i = 0; i < yTrue.Count; i++)
        {
            var group = sensitiveFeatures[i] ?? throw new ArgumentException($"sensitiveFeatures[{i}] is null.", nameof(sensitiveFeatures));
            if (!tallies.TryGetValue(group, out var t))
                tallies[group] = t = new int[5];
            t[0]++;
            if (yTrue[i])
                t[1]++;
            if (yPred[i])
            {
                t[2]++;
                if (yTrue[i])
                    t[3]++;
                else
                    t[4]++;
            }
        }

        var result = new SortedDictionary<string, GroupRates>(StringComparer.Ordinal);
        foreach (var (group, t) in tallies)
        {
            int count = t[0], positives = t[1], negatives = count - positives;
            result[group] = new GroupRates(
                count,
                positives,
                negatives,
                (double)t[2] / count,
                positives == 0 ? 0 : (double)t[3] / positives,
                negatives == 0 ? 0 : (double)t[4] / negatives);
        }

        return result;
    }
}
