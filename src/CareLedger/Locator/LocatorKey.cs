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
/// "key": base64}. Created once for the network and copied to each member with the genesis.
/// </summary>
internal sealed class LocatorKey
{
    public const string FileName = "locator.json";
    public const string Format = "careledger-locator-key/v1";
    public const int KeyLength = 32;

    private static readonly byte[] s_domain = "careledger/locator/v1\n"u8.ToArray();
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };
    private readonly byte[] key;

    private LocatorKey(string identifierSystem, byte[] key)
    {
        IdentifierSystem = identifierSystem;
        this.key = key;
    }

    /// <summary>The identifier system (a FHIR <c>Identifier.system</c> URI) whose values name patients across the network.</summary>
    public string IdentifierSystem { get; }

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, "keys", FileName);

    /// <summary>A new random key for a network.</summary>
    public static LocatorKey Create(string identifierSystem)
    {
        CheckSystem(identifierSystem);
        return new LocatorKey(identifierSystem, RandomNumberGenerator.GetBytes(KeyLength));
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
            if ((string?)root["format"] != Format)
            {
                throw new FormatException($"format must be '{Format}'");
            }

            var system = (string?)root["identifierSystem"] ?? throw new FormatException("identifierSystem is missing");
            CheckSystem(system);
            var key = Convert.FromBase64String((string?)root["key"] ?? throw new FormatException("key is missing"));
            return key.Length == KeyLength ? new LocatorKey(system, key) : throw new FormatException($"key must be {KeyLength} bytes");
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

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(new JsonObject
    {
        ["format"] = Format,
        ["identifierSystem"] = IdentifierSystem,
        ["key"] = Convert.ToBase64String(key),
    }, s_indented);

    /// <summary>Writes the key into a node's data directory (atomically, mode 0600).</summary>
    public void SaveTo(string dataDirectory) => SecureFile.WriteAllBytes(PathIn(dataDirectory), ToJson());

    /// <summary>The patient's locator pseudonym in the network of <paramref name="origin"/> (values are compared as given, trimmed).</summary>
    public byte[] PseudonymOf(string origin, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(origin);
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        var message = Encoding.UTF8.GetBytes($"{origin}\n{IdentifierSystem}|{value.Trim()}");
        byte[] input = [.. s_domain, .. message];
        return HMACSHA256.HashData(key, input);
    }

    private static void CheckSystem(string system)
    {
        if (!Uri.TryCreate(system, UriKind.Absolute, out _) || system.Contains('|', StringComparison.Ordinal))
        {
            throw new FormatException($"the identifier system '{system}' must be an absolute URI without '|'");
        }
    }
}
