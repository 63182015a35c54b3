using System.Globalization;
using CareLedger.Analytics.Data;
using CareLedger.Analytics.Training;
using CareLedger.Analytics.Validation;

namespace CareLedger.Analytics.Tests;

/// <summary>The reference data copied to the test output (see data/clinical/PROVENANCE.md), loaded and cross-validated once per run.</summary>
internal static class TestData
{
    public const ulong FoldSeed = 20261125;

    private static readonly Lazy<FeatureTable> LazyWdbc = new(() => ReferenceDatasets.ReadWdbc(Open("wdbc.csv")));
    private static readonly Lazy<FeatureTable> LazyPima = new(() => ReferenceDatasets.ReadPima(Open("pima.csv")));
    private static readonly Lazy<CrossValidationResult> LazyWdbcCv = new(() => CrossValidator.Run(Wdbc, Folds("wdbc"), TrainingOptions.LogisticRegression));
    private static readonly Lazy<CrossValidationResult> LazyPimaCv = new(() => CrossValidator.Run(Pima, Folds("pima"), TrainingOptions.LogisticRegression));

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "TestData");

    public static FeatureTable Wdbc => LazyWdbc.Value;

    public static FeatureTable Pima => LazyPima.Value;

    /// <summary>Logistic regression, 10-fold CV on the committed folds.</summary>
    public static CrossValidationResult WdbcLogisticCv => LazyWdbcCv.Value;

    public static CrossValidationResult PimaLogisticCv => LazyPimaCv.Value;

    public static StreamReader Open(string fileName) => new(Path.Combine(Directory, fileName));

    public static int[] Folds(string dataset)
    {
        using var reader = Open(dataset + ".folds.csv");
        return StratifiedFolds.ParseCsv(reader);
    }

    /// <summary>scikit-learn's per-fold AUROC for (dataset, model), from scripts/compare_sklearn.py.</summary>
    public static double[] SklearnAuroc(string dataset, string model)
    {
        using var reader = Open("sklearn_auroc.csv");
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(line => line.Split(','))
            .Where(f => f[0] == dataset && f[1] == model)
            .OrderBy(f => int.Parse(f[2], CultureInfo.InvariantCulture))
            .Select(f => double.Parse(f[3], CultureInfo.InvariantCulture))
            .ToArray();
    }
}
