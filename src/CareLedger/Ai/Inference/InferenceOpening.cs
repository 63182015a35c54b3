using System.Text.Json;
using System.Text.Json.Serialization;

namespace CareLedger.Ai.Inference;

/// <summary>
/// What opens an inference anchor: the salt, the feature vector (null = missing), the probability, and the record
/// versions the inputs were read from. Kept sealed in DATA/inferences.db; with it an auditor recomputes the anchored
/// digest and so proves which model said what on what.
/// </summary>
public sealed record InferenceOpening(
    Guid InferenceId,
    string Model,
    string ModelSha256,
    byte[] Salt,
    IReadOnlyList<float?> Features,
    double Probability,
    IReadOnlyList<string> Records)
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public float[] FeatureVector() => [.. Features.Select(f => f ?? float.NaN)];

    public byte[] InputCommitment() => InferenceCommitment.Input(Salt, FeatureVector());

    public byte[] Digest() => InferenceCommitment.Digest(ModelSha256, InputCommitment(), Probability);

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, s_json);

    public static InferenceOpening Parse(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<InferenceOpening>(json, s_json) ?? throw new FormatException("an inference opening is null");
}
