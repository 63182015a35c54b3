using CareLedger.Analytics.Inference;
using CareLedger.Analytics.Onnx;
using CareLedger.Analytics.Registry;

namespace CareLedger.Ai.Registry;

/// <summary>A verified, deployable model loaded from the exact bytes that were checked against its card. Thread-safe.</summary>
public sealed class ServableModel : IDisposable
{
    private readonly ClinicalModel? _mlNet;
    private readonly OnnxModel? _onnx;

    private ServableModel(RegisteredModel model, ClinicalModel? mlNet, OnnxModel? onnx)
    {
        Model = model;
        _mlNet = mlNet;
        _onnx = onnx;
    }

    public RegisteredModel Model { get; }

    public ModelCard Card => Model.Card;

    public string Id => Model.Id;

    /// <summary>Whether the model needs every feature (ONNX models cannot impute a missing value).</summary>
    public bool NeedsEveryFeature => _onnx is not null;

    internal static ServableModel Load(RegisteredModel model, byte[] verifiedFile) =>
        model.Card.Kind == Analytics.Training.ModelKind.Onnx
            ? new ServableModel(model, null, OnnxModel.Load(verifiedFile, model.Card))
            : new ServableModel(model, ClinicalModel.Load(verifiedFile, model.Card), null);

    /// <param name="features">In the card's feature order; NaN is missing (imputed by ML.NET models, refused by ONNX models).</param>
    public ModelOutput Predict(float[] features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Length != Card.Features.Count)
        {
            throw new ArgumentException($"model {Id} takes {Card.Features.Count} features; got {features.Length}", nameof(features));
        }

        if (_mlNet is not null)
        {
            var prediction = _mlNet.Predict(features);
            var method = prediction.Method == ExplanationMethod.LinearExact ? ModelOutput.LinearExact : ModelOutput.TreePathAttribution;
            return new ModelOutput(prediction.Probability, method, prediction.Contributions);
        }

        var missing = Card.Features.Where((_, i) => float.IsNaN(features[i])).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"model {Id} is an ONNX model and cannot impute; missing: {string.Join(", ", missing)}", nameof(features));
        }

        var output = _onnx!.Run(features, 1, features.Length);
        var probability = output.Values.Length switch
        {
            1 => output.Values[0],
            2 => output.Values[1],
            _ => throw new InvalidOperationException($"model {Id} returned {output.Values.Length} values for one patient; a risk model returns [p] or [1 - p, p]"),
        };
        return probability is >= 0 and <= 1
            ? new ModelOutput(probability, ModelOutput.NoExplanation, [])
            : throw new InvalidOperationException($"model {Id} returned {probability}, which is not a probability");
    }

    public void Dispose()
    {
        _mlNet?.Dispose();
        _onnx?.Dispose();
    }
}
