using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace CareLedger.Vault.Keys;

/// <summary>
/// The keyring file "careledger-keyring/v1": versioned 256-bit KEKs (the newest wraps, older ones only unwrap)
/// and the vault's keyed-hash secrets. JSON, so an operator can see which versions exist; the key bytes are base64.
/// </summary>
internal sealed class KeyringFile
{
    public const string Format = "careledger-keyring/v1";
    public const int KeyBytes = 32;
    private const string KeyIdPrefix = "kek-";

    private static readonly (VaultSecretPurpose Purpose, string Name)[] SecretNames =
    [
        (VaultSecretPurpose.RecordReference, "record-reference"),
        (VaultSecretPurpose.PatientLookup, "patient-lookup"),
        (VaultSecretPurpose.BlindIndex, "blind-index"),
    ];

    private KeyringFile(string currentKeyId, IReadOnlyList<KeyringKey> keys, IReadOnlyDictionary<VaultSecretPurpose, byte[]> secrets)
    {
        CurrentKeyId = currentKeyId;
        Keys = keys;
        Secrets = secrets;
    }

    public string CurrentKeyId { get; }

    public IReadOnlyList<KeyringKey> Keys { get; }

    public IReadOnlyDictionary<VaultSecretPurpose, byte[]> Secrets { get; }

    public static KeyringFile CreateNew(DateTimeOffset now)
    {
        var first = new KeyringKey(KeyIdPrefix + "1", now.ToUnixTimeMilliseconds(), RandomNumberGenerator.GetBytes(KeyBytes));
        var secrets = SecretNames.ToDictionary(s => s.Purpose, _ => RandomNumberGenerator.GetBytes(KeyBytes));
        return new KeyringFile(first.Id, [first], secrets);
    }

    public KeyringFile WithNewKey(DateTimeOffset now)
    {
        var next = Keys.Max(k => KeyNumber(k.Id)) + 1;
        var added = new KeyringKey(KeyIdPrefix + next.ToString(CultureInfo.InvariantCulture), now.ToUnixTimeMilliseconds(),
            RandomNumberGenerator.GetBytes(KeyBytes));
        return new KeyringFile(added.Id, [.. Keys, added], Secrets);
    }

    public KeyringFile WithoutKey(string keyId)
    {
        if (keyId == CurrentKeyId)
        {
            throw new InvalidOperationException($"KEK '{keyId}' is the current key and cannot be retired; rotate first.");
        }

        if (Keys.All(k => k.Id != keyId))
        {
            throw new KeyNotFoundException($"KEK '{keyId}' is not in the keyring.");
        }

        return new KeyringFile(CurrentKeyId, [.. Keys.Where(k => k.Id != keyId)], Secrets);
    }

    public byte[] Serialize()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("format", Format);
            writer.WriteString("current", CurrentKeyId);
            writer.WriteStartArray("keys");
            foreach (var key in Keys)
            {
                writer.WriteStartObject();
                writer.WriteString("id", key.Id);
                writer.WriteNumber("createdUnixMs", key.CreatedUnixMs);
                writer.WriteBase64String("key", key.Key);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartObject("secrets");
            foreach (var (purpose, name) in SecretNames)
            {
                writer.WriteBase64String(name, Secrets[purpose]);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        var bytes = buffer.WrittenSpan.ToArray();
        buffer.Clear(); // zeroes the written key material
        return bytes;
    }

    /// <summary>Strict: every field present, well-formed and consistent; FormatException names what is wrong.</summary>
    public static KeyringFile Parse(ReadOnlySpan<byte> utf8Json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json.ToArray());
        }
        catch (JsonException e)
        {
            throw new FormatException($"Keyring is not valid JSON (line {e.LineNumber + 1}).", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("Keyring must be a JSON object.");
            }

            var format = RequiredString(root, "format");
            if (format != Format)
            {
                throw new FormatException($"Keyring format '{format}' is not '{Format}'.");
            }

            var current = RequiredString(root, "current");
            var keys = new List<KeyringKey>();
            foreach (var item in Required(root, "keys", JsonValueKind.Array).EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException("Keyring 'keys' entries must be objects.");
                }

                var id = RequiredString(item, "id");
                _ = KeyNumber(id);
                if (keys.Any(k => k.Id == id))
                {
                    throw new FormatException($"Keyring lists KEK '{id}' twice.");
                }

                var created = Required(item, "createdUnixMs", JsonValueKind.Number).GetInt64();
                keys.Add(new KeyringKey(id, created, RequiredKey(item, "key", $"KEK '{id}'")));
            }

            if (keys.All(k => k.Id != current))
            {
                throw new FormatException($"Keyring's current KEK '{current}' is not among its keys.");
            }

            var secretsElement = Required(root, "secrets", JsonValueKind.Object);
            var secrets = new Dictionary<VaultSecretPurpose, byte[]>();
            foreach (var (purpose, name) in SecretNames)
            {
                secrets[purpose] = RequiredKey(secretsElement, name, $"secret '{name}'");
            }

            return new KeyringFile(current, keys, secrets);
        }
    }

    public void Erase()
    {
        foreach (var key in Keys)
        {
            CryptographicOperations.ZeroMemory(key.Key);
        }

        foreach (var secret in Secrets.Values)
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static int KeyNumber(string keyId)
    {
        if (keyId.StartsWith(KeyIdPrefix, StringComparison.Ordinal)
            && int.TryParse(keyId.AsSpan(KeyIdPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            && number > 0)
        {
            return number;
        }

        throw new FormatException($"Keyring key id '{keyId}' is not of the form '{KeyIdPrefix}N'.");
    }

    private static JsonElement Required(JsonElement parent, string name, JsonValueKind kind)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind != kind)
        {
            throw new FormatException($"Keyring field '{name}' is missing or not a JSON {kind.ToString().ToLowerInvariant()}.");
        }

        return value;
    }

    private static string RequiredString(JsonElement parent, string name) =>
        Required(parent, name, JsonValueKind.String).GetString()!;

    private static byte[] RequiredKey(JsonElement parent, string name, string what)
    {
        var element = Required(parent, name, JsonValueKind.String);
        if (!element.TryGetBytesFromBase64(out var bytes) || bytes.Length != KeyBytes)
        {
            throw new FormatException($"Keyring {what} is not {KeyBytes} bytes of base64.");
        }

        return bytes;
    }
}
