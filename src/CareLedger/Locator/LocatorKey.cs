using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CareLedger.IO;

namespace CareLedger.Locator;

/// <summary>
/// The network's locator key (ADR 0009): a 256-bit secret that every member holds and nobody else, and the identifier
/// system whose values name a patient across the network (e.g. a national patient identifier). A patient's locator
/// pseudonym is HMAC-SHA256(key, "careledger/locator/v1\n" ‖ network origin ‖ "\n" ‖ system ‖ "|" ‖ value): members that
/// know the patient's identifier compute the same pseudonym; a reader of the ledger without the key cannot test guesses.
/// Kept in DATA/keys/locator.json (mode 0600): {"format": "careledger-locator-key/v1", "identifierSystem": "...",
/// "key": base64}. Created once for the network and copied to each member with the genesis. After a rotation (ADR 0009)
/// the file also keeps the retired keys, newest first, for lookups while other members still announce under them:
/// {"format": "careledger-locator-key/v2", "identifierSystem", "key", "previousKeys": [base64, ...]}.
/// </summary>
internal sealed class LocatorKey
{
    public const string FileName = "locator.json";
    public const string Format = "careledger-locator-key/v1";
    public const string RotatedFormat = "careledger-locator-key/v2";
    public const int KeyLength = 32;

    /// <summary>How many retired keys a rotation keeps (each costs an index probe on every lookup).</summary>
    public const int MaxPreviousKeys = 4;

    private static readonly byte[] s_domain = "careledger/locator/v1\n"u8.ToArray();
    private static readonly byte[] s_keyIdDomain = "careledger/locator/key-id/v1\n"u8.ToArray();
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };
    private readonly byte[] key;
    private readonly IReadOnlyList<byte[]> previousKeys;

    private LocatorKey(string identifierSystem, byte[] key, IReadOnlyList<byte[]> previousKeys)
    {
        IdentifierSystem = identifierSystem;
        this.key = key;
        this.previousKeys = previousKeys;
    }

    /// <summary>A commitment to the current key (SHA-256 of a domain and the key) that names it without revealing it.</summary>
    public byte[] Id => SHA256.HashData([.. s_keyIdDomain, .. key]);

    /// <summary>How many retired keys this file keeps for lookups.</summary>
    public int PreviousKeyCount => previousKeys.Count;

    /// <summary>Whether <paramref name="other"/>'s current key is this file's current key or one it retired.</summary>
    public bool Knows(LocatorKey other) =>
        other.IdentifierSystem == IdentifierSystem && (other.key.AsSpan().SequenceEqual(key) || previousKeys.Any(p => p.AsSpan().SequenceEqual(other.key)));

    /// <summary>
    /// A new random key of the same network that keeps this one (and up to <see cref="MaxPreviousKeys"/> in all of
    /// those it retired) for lookups during the rotation.
    /// </summary>
    public LocatorKey Rotate() =>
        new(IdentifierSystem, RandomNumberGenerator.GetBytes(KeyLength), [.. new[] { key }.Concat(previousKeys).Take(MaxPreviousKeys)]);

    /// <summary>This key without the ones it retired (once every member has rotated).</summary>
    public LocatorKey WithoutPreviousKeys() => new(IdentifierSystem, key, []);

    /// <summary>The identifier system (a FHIR <c>Identifier.system</c> URI) whose values name patients across the network.</summary>
    public string IdentifierSystem { get; }

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, "keys", FileName);

    /// <summary>A new random key for a network.</summary>
    public static LocatorKey Create(string identifierSystem)
    {
        CheckSystem(identifierSystem);
        return new LocatorKey(identifierSystem, RandomNumberGenerator.GetBytes(KeyLength), []);
    }

    /// <summary>The node's key, or null when it has none (the node then neither announces nor fetches).</summary>
    /// <exception cref="FormatException">the file is not a locator key.</exception>
    public static LocatorKey? Load(string dataDirectory)
    {
        var path = PathIn(dataDirectory);
        return File.Exists(path) ? Parse(File.ReadAllBytes(path), path) : null;
    }

    public static LocatorKey Parse(ReadOnlySpan<byte> json, string where)
    {
        try
        {
            var root = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("not a JSON object");
            var format = (string?)root["format"];
            if (format is not (Format or RotatedFormat))
            {
                throw new FormatException($"format must be '{Format}' or '{RotatedFormat}'");
            }

            var system = (string?)root["identifierSystem"] ?? throw new FormatException("identifierSystem is missing");
            CheckSystem(system);
            var key = KeyOf((string?)root["key"] ?? throw new FormatException("key is missing"));
            var previous = new List<byte[]>();
            if (format == RotatedFormat)
            {
                var list = root["previousKeys"] as JsonArray ?? throw new FormatException("previousKeys is missing");
                if (list.Count is 0 or > MaxPreviousKeys)
                {
                    throw new FormatException($"previousKeys must hold 1 to {MaxPreviousKeys} keys");
                }

                previous.AddRange(list.Select(k => KeyOf((string?)k ?? throw new FormatException("a previous key is not a string"))));
            }
            else if (root.ContainsKey("previousKeys"))
            {
                throw new FormatException($"previousKeys belong to format '{RotatedFormat}'");
            }

            return new LocatorKey(system, key, previous);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"locator key '{where}': {e.Message}", e);
        }
        catch (FormatException e) when (!e.Message.StartsWith("locator key", StringComparison.Ordinal))
        {
            throw new FormatException($"locator key '{where}': {e.Message}", e);
        }
    }

    public byte[] ToJson()
    {
        var root = new JsonObject
        {
            ["format"] = previousKeys.Count == 0 ? Format : RotatedFormat,
            ["identifierSystem"] = IdentifierSystem,
            ["key"] = Convert.ToBase64String(key),
        };
        if (previousKeys.Count > 0)
        {
            root["previousKeys"] = new JsonArray([.. previousKeys.Select(k => (JsonNode)Convert.ToBase64String(k))]);
        }

        return JsonSerializer.SerializeToUtf8Bytes(root, s_indented);
    }

    /// <summary>Writes the key into a node's data directory (atomically, mode 0600).</summary>
    public void SaveTo(string dataDirectory) => SecureFile.WriteAllBytes(PathIn(dataDirectory), ToJson());

    /// <summary>The patient's locator pseudonym in the network of <paramref name="origin"/> (values are compared as given, trimmed).</summary>
    public byte[] PseudonymOf(string origin, string value) => PseudonymOf(key, origin, value);

    /// <summary>The patient's pseudonyms under the current key, then under each retired key (newest first).</summary>
    public IReadOnlyList<byte[]> PseudonymsOf(string origin, string value) => [PseudonymOf(key, origin, value), .. previousKeys.Select(k => PseudonymOf(k, origin, value))];

    private byte[] PseudonymOf(byte[] secret, string origin, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(origin);
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        var message = Encoding.UTF8.GetBytes($"{origin}\n{IdentifierSystem}|{value.Trim()}");
        byte[] input = [.. s_domain, .. message];
        return HMACSHA256.HashData(secret, input);
    }

    private static byte[] KeyOf(string base64)
    {
        var key = Convert.FromBase64String(base64);
        return key.Length == KeyLength ? key : throw new FormatException($"key must be {KeyLength} bytes");
    }

    private static void CheckSystem(string system)
    {
        if (!Uri.TryCreate(system, UriKind.Absolute, out _) || system.Contains('|', StringComparison.Ordinal))
        {
            throw new FormatException($"the identifier system '{system}' must be an absolute URI without '|'");
        }
    }
}
