using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using CareLedger.Analytics.Deployment;

namespace CareLedger.Ai.Registry;

/// <summary>
/// <c>DATA/models/gate-policy.json</c>: the node's deployment gate (the thresholds every model must meet, or carry a
/// signed override for) and where it is anchored on the ledger (kind <c>model-gate-policy</c>, digest = SHA-256 of the
/// policy's canonical JSON). Without the file the gate is <see cref="GatePolicy.Default"/>. A file that does not match
/// its anchor makes every model refuse to serve: relaxing the gate by editing a file is as visible as tampering with a
/// model.
/// </summary>
public sealed record GatePolicySetting(string Schema, JsonElement Policy, string Transaction, long LeafIndex, DateTimeOffset SetAt)
{
    public const string FileName = "gate-policy.json";
    public const string CurrentSchema = "careledger-gate-policy-setting/v1";

    /// <summary>The anchor's context: the policy is the node's, not one model's.</summary>
    public const string AnchorContext = "gate-policy";

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static GatePolicySetting Create(GatePolicy policy, string transaction, long leafIndex, DateTimeOffset setAt)
    {
        using var document = JsonDocument.Parse(policy.ToCanonicalJson());
        return new GatePolicySetting(CurrentSchema, document.RootElement.Clone(), transaction, leafIndex, setAt);
    }

    /// <summary>The anchored digest: SHA-256 of the policy's canonical JSON.</summary>
    public static byte[] Digest(GatePolicy policy) => SHA256.HashData(policy.ToCanonicalJson());

    /// <exception cref="FormatException">Not a setting of this schema, or its policy is not a valid policy.</exception>
    public GatePolicy ReadPolicy() => GatePolicy.Parse(JsonSerializer.SerializeToUtf8Bytes(Policy));

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, s_json);

    /// <exception cref="FormatException">Not a setting of this schema.</exception>
    public static GatePolicySetting Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var setting = JsonSerializer.Deserialize<GatePolicySetting>(json, s_json) ?? throw new FormatException("the gate policy setting is null");
            return setting.Schema == CurrentSchema ? setting : throw new FormatException($"the gate policy setting's schema is '{setting.Schema}', not {CurrentSchema}");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{FileName} is not valid JSON of {CurrentSchema}: {e.Message}", e);
        }
    }
}
