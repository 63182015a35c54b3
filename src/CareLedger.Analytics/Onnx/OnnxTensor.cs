namespace CareLedger.Analytics.Onnx;

/// <summary>A dense float tensor in row-major order.</summary>
public sealed record OnnxTensor
{
    public OnnxTensor(float[] values, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        long elements = 1;
        foreach (var dimension in shape)
        {
            if (dimension < 0)
                throw new ArgumentException("Tensor dimensions must not be negative.", nameof(shape));
            elements *= dimension;
        }

        if (elements != values.Length)
            throw new ArgumentException($"Shape [{string.Join(", ", shape)}] holds {elements} values; got {values.Length}.", nameof(values));
        Values = values;
        Shape = shape;
    }

    public float[] Values { get; }

    public long[] Shape { get; }
}
