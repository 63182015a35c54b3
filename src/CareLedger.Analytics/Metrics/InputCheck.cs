namespace CareLedger.Analytics.Metrics;

internal static class InputCheck
{
    public static void SameLength<TA, TB>(IReadOnlyList<TA> a, string aName, IReadOnlyList<TB> b, string bName)
    {
        ArgumentNullException.ThrowIfNull(a, aName);
        ArgumentNullException.ThrowIfNull(b, bName);
        if (a.Count != b.Count)
            throw new ArgumentException($"{aName} has {a.Count} values but {bName} has {b.Count}.", bName);
    }

    public static void Probabilities(IReadOnlyList<double> probabilities, string name)
    {
        for (var i = 0; i < probabilities.Count; i++)
        {
            var p = probabilities[i];
            if (!(p >= 0 && p <= 1))
                throw new ArgumentException($"{name}[{i}] = {p} is not a probability in [0, 1].", name);
        }
    }

    public static void FiniteScores(IReadOnlyList<double> scores, string name)
    {
        for (var i = 0; i < scores.Count; i++)
        {
            if (!double.IsFinite(scores[i]))
                throw new ArgumentException($"{name}[{i}] is not a finite number.", name);
        }
    }

    public static (int Positives, int Negatives) CountClasses(IReadOnlyList<bool> labels)
    {
        var positives = 0;
        foreach (var label in labels)
        {
            if (label)
                positives++;
        }

        return (positives, labels.Count - positives);
    }
}
