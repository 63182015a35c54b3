namespace CareLedger.Analytics.Data;

/// <summary>Rows that share one feature layout. Construction validates the layout so training never sees ragged data.</summary>
public sealed class FeatureTable
{
    public FeatureTable(IReadOnlyList<string> featureNames, IReadOnlyList<FeatureRow> rows)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(rows);
        if (featureNames.Count == 0)
            throw new ArgumentException("A feature table needs at least one feature.", nameof(featureNames));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in featureNames)
        {
            if (string.IsNullOrWhiteSpace(name))
                throw new ArgumentException("Feature names must not be empty.", nameof(featureNames));
            if (!seen.Add(name))
                throw new ArgumentException($"Feature name '{name}' appears twice.", nameof(featureNames));
        }

        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"Row {i} is null.", nameof(rows));
            if (row.Features is null || row.Features.Length != featureNames.Count)
                throw new ArgumentException(
                    $"Row {i} has {row.Features?.Length ?? 0} feature values; the table has {featureNames.Count} features.", nameof(rows));
            for (var j = 0; j < row.Features.Length; j++)
            {
                if (float.IsInfinity(row.Features[j]))
                    throw new ArgumentException($"Row {i}, feature '{featureNames[j]}' is infinite.", nameof(rows));
            }

            if (row.Attributes is null)
                throw new ArgumentException($"Row {i} has no attribute dictionary.", nameof(rows));
        }

        FeatureNames = featureNames.ToArray();
        Rows = rows.ToArray();
    }

    public IReadOnlyList<string> FeatureNames { get; }

    public IReadOnlyList<FeatureRow> Rows { get; }

    public int Count => Rows.Count;

    public bool[] Labels() => Rows.Select(r => r.Label).ToArray();

    public FeatureTable Subset(IEnumerable<int> rowIndexes) =>
        new(FeatureNames, rowIndexes.Select(i => Rows[i]).ToArray());
}
