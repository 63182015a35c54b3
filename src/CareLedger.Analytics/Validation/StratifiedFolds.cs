using System.Globalization;
using System.Text;

namespace CareLedger.Analytics.Validation;

/// <summary>
/// Deterministic stratified k-fold assignment shared with scripts/compare_sklearn.py through a "row,fold" CSV file.
/// Algorithm: the row indexes of the negatives, then of the positives, are each Fisher-Yates shuffled with one
/// SplitMix64 stream (negatives first); the concatenation is dealt round-robin to folds 0..k-1. Every fold then holds
/// each class within one row of its share.
/// </summary>
public static class StratifiedFolds
{
    public static int[] Assign(IReadOnlyList<bool> labels, int folds, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (folds < 2)
            throw new ArgumentOutOfRangeException(nameof(folds), folds, "Cross-validation needs at least 2 folds.");
        var negatives = Enumerable.Range(0, labels.Count).Where(i => !labels[i]).ToArray();
        var positives = Enumerable.Range(0, labels.Count).Where(i => labels[i]).ToArray();
        if (negatives.Length < folds || positives.Length < folds)
            throw new ArgumentException(
                $"Each class needs at least {folds} rows for {folds}-fold stratification; got {positives.Length} positive and {negatives.Length} negative.",
                nameof(labels));

        var random = new SplitMix64(seed);
        Shuffle(negatives, ref random);
        Shuffle(positives, ref random);
        var assignment = new int[labels.Count];
        var position = 0;
        foreach (var row in negatives.Concat(positives))
            assignment[row] = position++ % folds;
        return assignment;
    }

    public static string ToCsv(IReadOnlyList<int> assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var text = new StringBuilder("row,fold\n");
        for (var i = 0; i < assignment.Count; i++)
            text.Append(CultureInfo.InvariantCulture, $"{i},{assignment[i]}\n");
        return text.ToString();
    }

    /// <summary>Reads a "row,fold" file; rows must be 0..n-1 in order and folds 0..k-1 with every fold used.</summary>
    public static int[] ParseCsv(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.ReadLine() != "row,fold")
            throw new FormatException("A fold file starts with the header 'row,fold'.");
        var folds = new List<int>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
                continue;
            var parts = line.Split(',');
            if (parts.Length != 2
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var row)
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var fold))
                throw new FormatException($"Fold file line {folds.Count + 2} is not 'row,fold': '{line}'.");
            if (row != folds.Count)
                throw new FormatException($"Fold file line {folds.Count + 2} has row {row}; expected {folds.Count}.");
            folds.Add(fold);
        }

        var result = folds.ToArray();
        try
        {
            ValidateAssignment(result, result.Length);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"The fold file is not a valid assignment: {e.Message}", e);
        }

        return result;
    }

    internal static int FoldCount(IReadOnlyList<int> assignment) => assignment.Count == 0 ? 0 : assignment.Max() + 1;

    internal static void ValidateAssignment(IReadOnlyList<int> assignment, int rowCount)
    {
        if (assignment.Count != rowCount)
            throw new ArgumentException($"The fold assignment has {assignment.Count} rows; the data has {rowCount}.", nameof(assignment));
        var count = FoldCount(assignment);
        if (count < 2)
            throw new ArgumentException("The fold assignment must use at least two folds.", nameof(assignment));
        var used = new bool[count];
        foreach (var fold in assignment)
        {
            if (fold < 0)
                throw new ArgumentException("Fold numbers must not be negative.", nameof(assignment));
            used[fold] = true;
        }

        var unused = Array.IndexOf(used, false);
        if (unused >= 0)
            throw new ArgumentException($"Fold {unused} has no rows; folds must be numbered 0..k-1.", nameof(assignment));
    }

    private static void Shuffle(int[] items, ref SplitMix64 random)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = random.NextBelow(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
