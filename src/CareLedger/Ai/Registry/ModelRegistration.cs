using System.Text.Json;
using System.Text.Json.Serialization;

namespace CareLedger.Ai.Registry;

/// <summary>
/// <c>DATA/models/{id}/registration.json</c>: where the model's card is anchored on the ledger, and the gate override if
/// one was signed. Not itself trusted: every field is checked against the ledger before a model serves.
/// </summary>
public sealed record ModelRegistration(
    string Schema,
    string Model,
    string ModelFile,
    string CardSha256,
    string Transaction,
    long LeafIndex,
    DateTimeOffset RegisteredAt,
    GateOverrideRecord? Override)
{
    public const string CurrentSchema = "careledger-model-registration/v1";

    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <exception cref="FormatException">Not a registration of this schema.</exception>
    public static ModelRegistration Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var registration = JsonSerializer.Deserialize<ModelRegistration>(json, Json) ?? throw new FormatException("the registration is null");
            return registration.Schema == CurrentSchema ? registration : throw new FormatException($"the registration's schema is '{registration.Schema}', not {CurrentSchema}");
        }
        catch (JsonException e)
        {
            throw new FormatException($"the registration is not valid JSON of {CurrentSchema}: {e.Message}", e);
        }
    }
}

/// <summary>A signed override of a failed deployment gate, as anchored (kind <c>model-gate-override</c>).</summary>
/// <param name="Actor">The signing key's id (the member organisation's key), never a person's name.</param>
/// <param name="Signature">Base64 of the ECDSA P-256 signature over <c>GateOverride.SigningPayload</c>.</param>
/// <param name="FailedCriteria">The gate's failed checks that were overridden, word for word.</param>
public sealed record GateOverrideRecord(
    string Actor,
    string Reason,
    DateTimeOffset Time,
    string Signature,
    IReadOnlyList<string> FailedCriteria,
    string Transaction,
    long LeafIndex);
