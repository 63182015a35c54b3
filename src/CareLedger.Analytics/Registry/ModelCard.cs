using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CareLedger.Analytics.Fairness;
using CareLedger.Analytics.Metrics;
using CareLedger.Analytics.Training;

namespace CareLedger.Analytics.Registry;

/// <summary>
/// What the ledger registers for a model (capability A1): the model file's SHA-256, the training-data commitment,
/// validation metrics, intended use and bias report. Serialised as RFC 8785 canonical JSON with
/// "schema": "careledger-model-card/v1"; <see cref="Digest"/> is the SHA-256 of those bytes.
/// </summary>
public sealed record ModelCard(
    string Name,
    string Version,
    ModelKind Kind,
    string ModelSha256,
    IReadOnlyList<string> Features,
    string Outcome,
    TrainingDataCommitment TrainingData,
    ValidationSummary Metrics,
    IntendedUse IntendedUse,
    BiasReport? Bias,
    DateTimeOffset CreatedAt)
{
    public const string Schema = "careledger-model-card/v1";

    /// <summary>
    /// Who the training data came from (set by the node when it trains through the access layer); null on cards made
    /// outside a node, e.g. from the reference CSV files. Absent from the JSON when null, so older cards keep their bytes.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TrainingCohort? Cohort { get; init; }

    public byte[] ToCanonicalJson()
    {
        Validate();
        var node = JsonSerializer.SerializeToNode(this, ModelCardJson.Options)!.AsObject();
        node["schema"] = Schema;
        return CanonicalJson.Serialize(node);
    }

    public string ToJson() => Encoding.UTF8.GetString(ToCanonicalJson());

    /// <summary>SHA-256 of the canonical JSON: what a ledger transaction or signature refers to.</summary>
    public byte[] Digest() => SHA256.HashData(ToCanonicalJson());

    /// <exception cref="FormatException">The text is not a valid careledger-model-card/v1 document.</exception>
    public static ModelCard Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(Encoding.UTF8.GetBytes(json));
    }

    /// <inheritdoc cref="Parse(string)"/>
    public static ModelCard Parse(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            if (JsonNode.Parse(utf8Json) is not JsonObject node)
                throw new FormatException("A model card must be a JSON object.");
            if (!node.TryGetPropertyValue("schema", out var schema) || schema?.GetValueKind() != JsonValueKind.String
                || schema.GetValue<string>() != Schema)
                throw new FormatException($"A model card must declare \"schema\": \"{Schema}\".");
            node.Remove("schema");
            var card = node.Deserialize<ModelCard>(ModelCardJson.Options) ?? throw new FormatException("The model card is null.");
            card.Validate();
            return card;
        }
        catch (JsonException e)
        {
            throw new FormatException($"The model card is not valid: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"The model card is not valid: {e.Message}", e);
        }
    }

    internal void Validate()
    {
        Require(!string.IsNullOrWhiteSpace(Name), "the name is empty");
        Require(!string.IsNullOrWhiteSpace(Version), "the version is empty");
        Require(Enum.IsDefined(Kind), $"model kind {(int)Kind} is unknown");
        Require(ModelSha256 is { Length: 64 } && ModelSha256.All(char.IsAsciiHexDigitLower),
            "modelSha256 must be 64 lowercase hexadecimal digits");
        Require(Features is { Count: > 0 } && Features.All(f => !string.IsNullOrWhiteSpace(f)), "the feature list is empty or has an empty name");
        Require(Features!.Distinct(StringComparer.Ordinal).Count() == Features!.Count, "a feature name appears twice");
        Require(!string.IsNullOrWhiteSpace(Outcome), "the outcome is empty");
        Require(TrainingData is { Records: > 0, MerkleRoot: { Length: 64 } root } && root.All(char.IsAsciiHexDigitLower),
            "the training-data commitment needs a positive record count and a 64-digit lowercase hex Merkle root");
        Require(Metrics is { Folds: > 0, OutOfFold: not null }, "the metrics need at least one fold and out-of-fold results");
        Require(IntendedUse is { } use && !string.IsNullOrWhiteSpace(use.Description) && !string.IsNullOrWhiteSpace(use.PurposeOfUse),
            "the intended use needs a description and a purpose of use");
        if (Cohort?.Problem() is { } cohortProblem)
            Require(false, cohortProblem);
    }

    private void Require(bool condition, string problem)
    {
        if (!condition)
            throw new ArgumentException($"Model card '{Name}': {problem}.");
    }
}
