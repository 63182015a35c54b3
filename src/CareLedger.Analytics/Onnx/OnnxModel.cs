using CareLedger.Analytics.Registry;
using CareLedger.Analytics.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace CareLedger.Analytics.Onnx;

/// <summary>
/// An ONNX model an institution brings (imaging or other diagnostic classifiers, capability A3), run with ONNX
/// Runtime on the CPU. The model has one float tensor input and one float tensor output. Thread-safe.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly int[] _inputDimensions;

    private OnnxModel(byte[] file, string modelName)
    {
        Sha256 = ModelFile.Sha256Hex(file);
        try
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            _session = new InferenceSession(file, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelIntegrityException(modelName, $"the file is not a loadable ONNX model ({e.Message}).");
        }

        try
        {
            if (_session.InputMetadata.Count != 1 || _session.OutputMetadata.Count < 1)
                throw new ModelIntegrityException(modelName,
                    $"a model with exactly one input is required; this one has {_session.InputMetadata.Count} inputs and {_session.OutputMetadata.Count} outputs.");
            var (inputName, input) = _session.InputMetadata.Single();
            var (outputName, output) = _session.OutputMetadata.First();
            if (!input.IsTensor || input.ElementDataType != TensorElementType.Float
                || !output.IsTensor || output.ElementDataType != TensorElementType.Float)
                throw new ModelIntegrityException(modelName, "the model's input and first output must be float tensors.");
            InputName = inputName;
            OutputName = outputName;
            _inputDimensions = input.Dimensions;
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>Lowercase hex SHA-256 of the .onnx file.</summary>
    public string Sha256 { get; }

    public string InputName { get; }

    public string OutputName { get; }

    /// <summary>The declared input shape; -1 marks a free dimension (typically the batch size).</summary>
    public IReadOnlyList<long> InputShape => _inputDimensions.Select(d => (long)d).ToArray();

    /// <summary>Loads a model for inspection before it is registered (e.g. to read its input shape).</summary>
    public static OnnxModel Load(ReadOnlySpan<byte> file) => new(file.ToArray(), "(unregistered)");

    /// <summary>Loads a registered model; a file that no longer matches its card throws <see cref="ModelIntegrityException"/>.</summary>
    public static OnnxModel Load(ReadOnlySpan<byte> file, ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        ModelFile.EnsureMatches(file, card);
        if (card.Kind != ModelKind.Onnx)
            throw new ModelIntegrityException(card.Name, $"the card describes a {card.Kind} model, not an ONNX model.");
        return new OnnxModel(file.ToArray(), card.Name);
    }

    /// <inheritdoc cref="Load(ReadOnlySpan{byte}, ModelCard)"/>
    public static OnnxModel Load(string path, ModelCard card) => Load(ModelFile.ReadVerified(path, card), card);

    public OnnxTensor Run(OnnxTensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckShape(input.Shape);
        using var value = OrtValue.CreateTensorValueFromMemory(input.Values, input.Shape);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, [InputName], [value], [OutputName]);
        var result = outputs[0];
        var shape = result.GetTensorTypeAndShape().Shape;
        return new OnnxTensor(result.GetTensorDataAsSpan<float>().ToArray(), shape);
    }

    public OnnxTensor Run(float[] values, params long[] shape) => Run(new OnnxTensor(values, shape));

    public void Dispose() => _session.Dispose();

    private void CheckShape(long[] shape)
    {
        if (shape.Length != _inputDimensions.Length)
            throw new ArgumentException(
                $"Input '{InputName}' has rank {_inputDimensions.Length} ([{string.Join(", ", _inputDimensions)}]); got rank {shape.Length}.", nameof(shape));
        for (var i = 0; i < shape.Length; i++)
        {
            if (_inputDimensions[i] >= 0 && shape[i] != _inputDimensions[i])
                throw new ArgumentException(
                    $"Input '{InputName}' dimension {i} must be {_inputDimensions[i]}; got {shape[i]}.", nameof(shape));
        }
    }
}
