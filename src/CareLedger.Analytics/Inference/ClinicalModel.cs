using System.Collections.Concurrent;
using CareLedger.Analytics.Data;
using CareLedger.Analytics.Registry;
using CareLedger.Analytics.Training;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;

namespace CareLedger.Analytics.Inference;

/// <summary>
/// A trained ML.NET risk model (imputation → standardisation → classifier) and the exact bytes of its saved zip.
/// Thread-safe: predictions borrow a pooled ML.NET prediction engine.
/// </summary>
public sealed class ClinicalModel : IDisposable
{
    private readonly byte[] _file;
    private readonly MLContext _ml;
    private readonly ITransformer _scorer;
    private readonly ITransformer _explainer;
    private readonly SchemaDefinition _scoringSchema;
    private readonly ConcurrentBag<PredictionEngine<ScoringRow, ScoredRow>> _engines = [];
    private bool _disposed;

    private ClinicalModel(byte[] file, MLContext ml, ITransformer scorer, ITransformer explainer, ModelKind kind,
        IReadOnlyList<string> featureNames, LinearModel? linear)
    {
        _file = file;
        _ml = ml;
        _scorer = scorer;
        _explainer = explainer;
        Kind = kind;
        FeatureNames = featureNames.ToArray();
        Linear = linear;
        Sha256 = ModelFile.Sha256Hex(file);
        _scoringSchema = MlNetRows.Schema<ScoringRow>(FeatureNames.Count);
    }

    public ModelKind Kind { get; }

    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Lowercase hex SHA-256 of the model file (<see cref="ToBytes"/>), as recorded in the model card.</summary>
    public string Sha256 { get; }

    /// <summary>Coefficients for logistic regression; null for trees.</summary>
    public LinearModel? Linear { get; }

    /// <summary>Loads a model file after checking it against its registered card; a changed file throws <see cref="ModelIntegrityException"/>.</summary>
    public static ClinicalModel Load(string path, ModelCard card) => Load(ModelFile.ReadVerified(path, card), card);

    /// <inheritdoc cref="Load(string, ModelCard)"/>
    public static ClinicalModel Load(ReadOnlySpan<byte> modelFile, ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        ModelFile.EnsureMatches(modelFile, card);
        if (card.Kind is not (ModelKind.LogisticRegression or ModelKind.FastTree))
            throw new ModelIntegrityException(card.Name, $"the card describes a {card.Kind} model, not an ML.NET model.");
        return FromFile(modelFile.ToArray(), card.Features, card.Kind, card.Name);
    }

    internal static ClinicalModel FromFile(byte[] file, IReadOnlyList<string> featureNames, ModelKind expectedKind, string modelName = "(unregistered)")
    {
        var ml = new MLContext(seed: 0);
        ITransformer loaded;
        DataViewSchema inputSchema;
        try
        {
            loaded = ml.Model.Load(new MemoryStream(file, writable: false), out inputSchema);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException or ArgumentException)
        {
            throw new ModelIntegrityException(modelName, $"the file is not a readable ML.NET model ({e.Message}).");
        }

        var featureCount = inputSchema.GetColumnOrNull(MlNetRows.FeaturesColumn)?.Type is VectorDataViewType { Size: > 0 } vector
            ? vector.Size
            : throw new ModelIntegrityException(modelName, "the model has no fixed-size 'Features' input.");
        if (featureCount != featureNames.Count)
            throw new ModelIntegrityException(modelName, $"the model takes {featureCount} features; its card lists {featureNames.Count}.");
        if (loaded is not TransformerChain<ITransformer> chain)
            throw new ModelIntegrityException(modelName, "the model is not an ML.NET transformer chain.");

        var emptyInput = ml.Data.LoadFromEnumerable(Array.Empty<ScoringRow>(), MlNetRows.Schema<ScoringRow>(featureCount));
        switch (chain.LastTransformer)
        {
            case BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>> linear
                when expectedKind == ModelKind.LogisticRegression:
            {
                var parameters = linear.Model.SubModel;
                var model = new LinearModel(parameters.Weights.Select(w => (double)w).ToArray(), parameters.Bias);
                return new ClinicalModel(file, ml, chain, chain, expectedKind, featureNames, model);
            }

            case BinaryPredictionTransformer<CalibratedModelParametersBase<FastTreeBinaryModelParameters, PlattCalibrator>> trees
                when expectedKind == ModelKind.FastTree:
            {
                var contributions = ml.Transforms
                    .CalculateFeatureContribution(trees, numberOfPositiveContributions: featureCount, numberOfNegativeContributions: featureCount, normalize: false)
                    .Fit(chain.Transform(emptyInput));
                return new ClinicalModel(file, ml, chain, chain.Append(contributions), expectedKind, featureNames, linear: null);
            }

            default:
                throw new ModelIntegrityException(modelName, $"the file does not hold a {expectedKind} model.");
        }
    }

    /// <summary>The model file: an ML.NET zip. Its SHA-256 is <see cref="Sha256"/>.</summary>
    public byte[] ToBytes() => (byte[])_file.Clone();

    public void Save(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(_file);
    }

    /// <summary>Scores one example (features in <see cref="FeatureNames"/> order, NaN for missing) and explains it.</summary>
    public Prediction Predict(ReadOnlySpan<float> features)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (features.Length != FeatureNames.Count)
            throw new ArgumentException($"The model takes {FeatureNames.Count} features; got {features.Length}.", nameof(features));
        for (var i = 0; i < features.Length; i++)
        {
            if (float.IsInfinity(features[i]))
                throw new ArgumentException($"Feature '{FeatureNames[i]}' is infinite.", nameof(features));
        }

        var input = new ScoringRow { Features = features.ToArray() };
        var output = new ScoredRow();
        var engine = _engines.TryTake(out var pooled)
            ? pooled
            : _ml.Model.CreatePredictionEngine<ScoringRow, ScoredRow>(_explainer, inputSchemaDefinition: _scoringSchema);
        try
        {
            engine.Predict(input, ref output);
        }
        finally
        {
            _engines.Add(engine);
        }

        return Linear is { } linear ? ExplainLinear(input.Features, output, linear) : ExplainTrees(input.Features, output);
    }

    /// <summary>Probabilities for many rows at once (batch scoring, e.g. for a validation set or an audit).</summary>
    public double[] PredictProbabilities(IReadOnlyList<FeatureRow> rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(rows);
        _ = new FeatureTable(FeatureNames, rows); // validates the layout with a clear message before ML.NET sees it
        var scored = _scorer.Transform(MlNetRows.ScoringView(_ml, rows.Select(r => r.Features), FeatureNames.Count));
        return _ml.Data.CreateEnumerable<ProbabilityRow>(scored, reuseRowObject: false).Select(p => (double)p.Probability).ToArray();
    }

    public void Dispose()
    {
        _disposed = true;
        while (_engines.TryTake(out var engine))
            engine.Dispose();
    }

    private Prediction ExplainLinear(float[] raw, ScoredRow output, LinearModel linear)
    {
        var contributions = new FeatureContribution[raw.Length];
        var logit = linear.Intercept;
        for (var i = 0; i < raw.Length; i++)
        {
            double standardised = output.Features[i];
            var contribution = linear.Weights[i] * standardised;
            logit += contribution;
            contributions[i] = new FeatureContribution(FeatureNames[i], raw[i], standardised, contribution);
        }

        return new Prediction(output.Probability, logit, linear.Intercept, ExplanationMethod.LinearExact, contributions);
    }

    private Prediction ExplainTrees(float[] raw, ScoredRow output)
    {
        var contributions = new FeatureContribution[raw.Length];
        for (var i = 0; i < raw.Length; i++)
            contributions[i] = new FeatureContribution(FeatureNames[i], raw[i], output.Features[i], output.FeatureContributions[i]);
        return new Prediction(output.Probability, output.Score, Intercept: null, ExplanationMethod.TreePathAttribution, contributions);
    }
}
