using System.Text.Json;
using System.Text.Json.Nodes;
using CareLedger.Analytics.Registry;

namespace CareLedger.Analytics.Deployment;

/// <summary>
/// The thresholds a model must meet before it may serve predictions. Null limits are not checked.
/// AUROC is the cross-validated mean AUROC of the card; fairness limits apply to every audited attribute.
/// A node anchors its policy on the ledger as <see cref="ToCanonicalJson"/> (RFC 8785, schema
/// <c>careledger-gate-policy/v1</c>), so that relaxing the gate is as visible as overriding it.
/// </summary>
public sealed record GatePolicy
{
    public const string Schema = "careledger-gate-policy/v1";

    private static readonly string[] s_members =
    [
        "maxDemographicParityDifference", "maxEqualizedOddsDifference", "maxExpectedCalibrationError", "minAuroc", "minSubgroupAuroc", "schema",
    ];

    public static GatePolicy Default { get; } = new();

    public double MinAuroc { get; init; } = 0.80;

    public double? MaxEqualizedOddsDifference { get; init; } = 0.10;

    public double? MaxDemographicParityDifference { get; init; }

    public double? MaxExpectedCalibrationError { get; init; }

    /// <summary>Lowest AUROC allowed in any subgroup where it is defined.</summary>
    public double? MinSubgroupAuroc { get; init; }

    /// <summary>Every limit is a finite number in [0, 1] (AUROC, rates, differences and calibration error all are).</summary>
    /// <exception cref="ArgumentException">A limit outside [0, 1].</exception>
    public void Validate()
    {
        Check(nameof(MinAuroc), MinAuroc);
        Check(nameof(MaxEqualizedOddsDifference), MaxEqualizedOddsDifference);
        Check(nameof(MaxDemographicParityDifference), MaxDemographicParityDifference);
        Check(nameof(MaxExpectedCalibrationError), MaxExpectedCalibrationError);
        Check(nameof(MinSubgroupAuroc), MinSubgroupAuroc);
    }

    /// <summary>RFC 8785 canonical JSON: every member present (an unchecked limit as null), sorted, with the schema.</summary>
    public byte[] ToCanonicalJson()
    {
        Validate();
        return CanonicalJson.Serialize(new JsonObject
        {
            ["maxDemographicParityDifference"] = MaxDemographicParityDifference,
            ["maxEqualizedOddsDifference"] = MaxEqualizedOddsDifference,
            ["maxExpectedCalibrationError"] = MaxExpectedCalibrationError,
            ["minAuroc"] = MinAuroc,
            ["minSubgroupAuroc"] = MinSubgroupAuroc,
            ["schema"] = Schema,
        });
    }

    /// <exception cref="FormatException">Not a policy of this schema: a member missing, unknown or of the wrong type, or a limit outside [0, 1].</exception>
    public static GatePolicy Parse(ReadOnlySpan<byte> json)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("a gate policy is a JSON object");
        }
        catch (JsonException e)
        {
            throw new FormatException($"the gate policy is not valid JSON: {e.Message}", e);
        }

        var names = root.Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();
        if (!names.SequenceEqual(s_members, StringComparer.Ordinal))
        {
            throw new FormatException($"a gate policy has exactly the members {string.Join(", ", s_members)}; this one has {string.Join(", ", names)}");
        }

        if (root["schema"] is not JsonValue schema || schema.GetValueKind() != JsonValueKind.String || schema.GetValue<string>() != Schema)
        {
            throw new FormatException($"the gate policy's schema is not {Schema}");
        }

        var policy = new GatePolicy
        {
            MinAuroc = Number(root, "minAuroc") ?? throw new FormatException("minAuroc is required"),
            MaxEqualizedOddsDifference = Number(root, "maxEqualizedOddsDifference"),
            MaxDemographicParityDifference = Number(root, "maxDemographicParityDifference"),
            MaxExpectedCalibrationError = Number(root, "maxExpectedCalibrationError"),
            MinSubgroupAuroc = Number(root, "minSubgroupAuroc"),
        };
        try
        {
            policy.Validate();
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message, e);
        }

        return policy;
    }

    private static double? Number(JsonObject root, string name) => root[name] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.Number => value.GetValue<double>(),
        _ => throw new FormatException($"{name} must be a number or null"),
    };

    private static void Check(string name, double? limit)
    {
        if (limit is { } value && !(value is >= 0 and <= 1))
        {
            throw new ArgumentException($"{name} must be between 0 and 1; got {value}", name);
        }
    }
}
