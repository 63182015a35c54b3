using CareLedger.Analytics.Data;
using CareLedger.Analytics.Metrics;
using CareLedger.Analytics.Training;
using Microsoft.ML;

namespace CareLedger.Analytics.Validation;

public static class CrossValidator
{
    /// <summary>
    /// K-fold cross-validation over a given assignment (e.g. from <see cref="StratifiedFolds"/> or a fold file). Imputation
    /// means and standardisation are fitted on each training fold only, inside the pipeline.
    /// </summary>
    public static CrossValidationResult Run(FeatureTable data, IReadOnlyList<int> foldOf, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(foldOf);
        ArgumentNullException.ThrowIfNull(options);
        StratifiedFolds.ValidateAssignment(foldOf, data.Count);
        var foldCount = StratifiedFolds.FoldCount(foldOf);
        var labels = data.Labels();
        var outOfFold = new double[data.Count];
        var foldMetrics = new List<ModelMetrics>(foldCount);
        for (var fold = 0; fold < foldCount; fold++)
        {
            var trainRows = Enumerable.Range(0, data.Count).Where(i => foldOf[i] != fold).Select(i => data.Rows[i]).ToArray();
            var testIndexes = Enumerable.Range(0, data.Count).Where(i => foldOf[i] == fold).ToArray();
            var ml = new MLContext(options.Seed);
            var model = ModelTrainer.Fit(ml, MlNetRows.TrainingView(ml, trainRows, data.FeatureNames.Count), trainRows, options);
            var scored = model.Transform(MlNetRows.ScoringView(ml, testIndexes.Select(i => data.Rows[i].Features), data.FeatureNames.Count));
            var probabilities = ml.Data.CreateEnumerable<ProbabilityRow>(scored, reuseRowObject: false)
                .Select(p => (double)p.Probability).ToArray();
            for (var k = 0; k < testIndexes.Length; k++)
                outOfFold[testIndexes[k]] = probabilities[k];
            foldMetrics.Add(ModelMetrics.Compute(probabilities, testIndexes.Select(i => labels[i]).ToArray()));
        }

        var pooled = ModelMetrics.Compute(outOfFold, labels);
        return new CrossValidationResult(ValidationSummary.FromFolds(foldMetrics, pooled), foldMetrics, outOfFold);
    }
}
