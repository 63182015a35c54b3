using System.Globalization;

namespace CareLedger.Analytics.Data;

/// <summary>
/// Readers for the two public reference data sets (data/clinical, see PROVENANCE.md) used to validate the trainers
/// against published results and scikit-learn.
/// </summary>
public static class ReferenceDatasets
{
    /// <summary>Pima columns in which the value 0 is physiologically impossible and means "not measured".</summary>
    public static IReadOnlyList<string> PimaZeroMeansMissing { get; } = ["glucose", "pressure", "triceps", "insulin", "mass"];

    /// <summary>Wisconsin Diagnostic Breast Cancer: 30 features, outcome = malignant (diagnosis "M").</summary>
    public static FeatureTable ReadWdbc(TextReader csv)
    {
        var (header, rows) = CsvText.Read(csv);
        var labelColumn = RequireColumn(header, "diagnosis");
        var featureNames = header.Where((_, i) => i != labelColumn).ToArray();
        var result = new List<FeatureRow>(rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            var fields = rows[r];
            var label = fields[labelColumn] switch
            {
                "M" => true,
                "B" => false,
                var other => throw new FormatException($"WDBC row {r + 1}: diagnosis '{other}' is neither M nor B."),
            };
            var features = new float[featureNames.Length];
            for (int i = 0, f = 0; i < fields.Length; i++)
            {
                if (i != labelColumn)
                    features[f++] = ParseNumber(fields[i], r, header[i]);
            }

            result.Add(new FeatureRow(features, label));
        }

        return new FeatureTable(featureNames, result);
    }

    /// <summary>
    /// Pima Indians Diabetes: 8 features, outcome = diabetes "pos". Zeros in <see cref="PimaZeroMeansMissing"/> become
    /// NaN (missing) so that the trainer imputes them from the training fold; attribute "age_band" is set for the audit.
    /// </summary>
    public static FeatureTable ReadPima(TextReader csv)
    {
        var (header, rows) = CsvText.Read(csv);
        var labelColumn = RequireColumn(header, "diabetes");
        var ageColumn = RequireColumn(header, "age");
        var featureNames = header.Where((_, i) => i != labelColumn).ToArray();
        var missingIfZero = header.Select(h => PimaZeroMeansMissing.Contains(h, StringComparer.Ordinal)).ToArray();
        var result = new List<FeatureRow>(rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            var fields = rows[r];
            var label = fields[labelColumn] switch
            {
                "pos" => true,
                "neg" => false,
                var other => throw new FormatException($"Pima row {r + 1}: diabetes '{other}' is neither pos nor neg."),
            };
            var features = new float[featureNames.Length];
            for (int i = 0, f = 0; i < fields.Length; i++)
            {
                if (i == labelColumn)
                    continue;
                var value = ParseNumber(fields[i], r, header[i]);
                features[f++] = missingIfZero[i] && value == 0 ? float.NaN : value;
            }

            var age = ParseNumber(fields[ageColumn], r, "age");
            result.Add(new FeatureRow(features, label, new Dictionary<string, string> { ["age_band"] = AgeBand.Of(age) }));
        }

        return new FeatureTable(featureNames, result);
    }

    private static int RequireColumn(string[] header, string name)
    {
        var index = Array.IndexOf(header, name);
        return index >= 0 ? index : throw new FormatException($"The CSV header has no '{name}' column.");
    }

    private static float ParseNumber(string text, int row, string column) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && float.IsFinite(value)
            ? value
            : throw new FormatException($"Row {row + 1}, column '{column}': '{text}' is not a finite number.");
}
