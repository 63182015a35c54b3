using CareLedger.Analytics.Data;
using CareLedger.Analytics.Inference;
using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Transforms;

namespace CareLedger.Analytics.Training;

public static class ModelTrainer
{
    /// <summary>
    /// Trains on every row of <paramref name="data"/>. The returned model is read back from its own saved ML.NET zip,
    /// so what it predicts is exactly what the registered file will predict.
    /// </summary>
    public static ClinicalModel Train(FeatureTable data, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var ml = new MLContext(options.Seed);
        var view = MlNetRows.TrainingView(ml, data.Rows, data.FeatureNames.Count);
        var transformer = Fit(ml, view, data.Rows, options);
        using var file = new MemoryStream();
        ml.Model.Save(transformer, view.Schema, file);
        return ClinicalModel.FromFile(file.ToArray(), data.FeatureNames, options.Kind);
    }

    internal static ITransformer Fit(MLContext ml, IDataView view, IReadOnlyList<FeatureRow> rows, TrainingOptions options)
    {
        options.Validate();
        if (rows.All(r => r.Label) || rows.All(r => !r.Label))
            throw new ArgumentException("Training data must contain both outcomes (positive and negative rows).", nameof(rows));

        var preprocessing = ml.Transforms.ReplaceMissingValues(
                MlNetRows.FeaturesColumn, replacementMode: MissingValueReplacingEstimator.ReplacementMode.Mean)
            .Append(ml.Transforms.NormalizeMeanVariance(MlNetRows.FeaturesColumn, fixZero: false));
        return options.Kind switch
        {
            ModelKind.LogisticRegression => preprocessing
                .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
                {
                    L1Regularization = 0,
                    L2Regularization = options.L2Regularization,
                    OptimizationTolerance = options.OptimizationTolerance,
                    NumberOfThreads = 1,
                }))
                .Fit(view),
            ModelKind.FastTree => preprocessing
                .Append(ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
                {
                    NumberOfTrees = options.NumberOfTrees,
                    NumberOfLeaves = options.NumberOfLeaves,
                    MinimumExampleCountPerLeaf = options.MinimumExampleCountPerLeaf,
                    LearningRate = options.LearningRate,
                    NumberOfThreads = 1,
                }))
                .Fit(view),
            _ => throw new ArgumentException($"Model kind {options.Kind} cannot be trained.", nameof(options)),
        };
    }
}
