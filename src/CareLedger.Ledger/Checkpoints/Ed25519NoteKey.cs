using CareLedger.IO;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace CareLedger.Ledger.Checkpoints;

/// <summary>
/// An Ed25519 private key with a note key name and signature type, and its key file.
/// </summary>
/// <remarks>
/// The file is one line in the golang.org/x/mod/sumdb/note "skey" form, so that Go tools can read it:
/// <c>PRIVATE+KEY+&lt;name&gt;+&lt;hex8 key id&gt;+&lt;base64(type || 32-byte Ed25519 seed)&gt;\n</c>.
/// It is written to a temporary file with mode 0600, fsynced, then renamed over the target, so a crash leaves
/// either the old key or the new one.
/// </remarks>
internal sealed class Ed25519NoteKey : IDisposable
{
    private const string SkeyPrefix = "PRIVATE+KEY+";
    private const int SeedSize = 32;

    private readonly Key key;

    private Ed25519NoteKey(string name, byte signatureType, Key key)
    {
        Name = name;
        SignatureType = signatureType;
        this.key = key;
        VerifierKey = VerifierKey.Create(name, signatureType, key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public string Name { get; }

    public byte SignatureType { get; }

    public VerifierKey VerifierKey { get; }

    public static Ed25519NoteKey Generate(string name, byte signatureType)
    {
        NoteSyntax.ThrowIfInvalidKeyName(name, nameof(name));
        return new Ed25519NoteKey(name, signatureType, Key.Create(SignatureAlgorithm.Ed25519, Exportable));
    }

    public static Ed25519NoteKey FromSeed(string name, byte signatureType, ReadOnlySpan<byte> seed)
    {
        NoteSyntax.ThrowIfInvalidKeyName(name, nameof(name));
        if (seed.Length != SeedSize)
            throw new ArgumentException($"An Ed25519 seed is {SeedSize} bytes, not {seed.Length}.", nameof(seed));
        return new Ed25519NoteKey(name, signatureType, Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey, Exportable));
    }

    /// <summary>Parses an skey line; <paramref name="expectedType"/> guards against loading a cosigner key as a log key and vice versa.</summary>
    public static Ed25519NoteKey ParseSkey(string skey, byte expectedType)
    {
        ArgumentNullException.ThrowIfNull(skey);
        if (!skey.StartsWith(SkeyPrefix, StringComparison.Ordinal))
            throw new FormatException("Malformed private key: it does not start with PRIVATE+KEY+.");
        var parts = skey[SkeyPrefix.Length..].Split('+', 3);
        if (parts.Length != 3)
            throw new FormatException("Malformed private key: expected PRIVATE+KEY+name+keyid+key.");
        var (name, idHex, keyBase64) = (parts[0], parts[1], parts[2]);
        if (!NoteSyntax.IsValidKeyName(name))
            throw new FormatException("Malformed private key: invalid key name.");
        if (idHex.Length != 8 || !uint.TryParse(idHex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var keyId))
            throw new FormatException("Malformed private key: the key id is not 8 hexadecimal digits.");
        if (!NoteSyntax.TryDecodeBase64(keyBase64, out var material) || material.Length != 1 + SeedSize)
            throw new FormatException("Malformed private key: the key is not base64 of a type byte and a 32-byte Ed25519 seed.");
        try
        {
            if (material[0] != expectedType)
                throw new FormatException($"Malformed private key: signature type 0x{material[0]:x2} where 0x{expectedType:x2} is expected.");
            var noteKey = FromSeed(name, expectedType, material.AsSpan(1));
            if (noteKey.VerifierKey.KeyId != keyId)
            {
                noteKey.Dispose();
                throw new FormatException("Malformed private key: the key id does not match the key.");
            }

            return noteKey;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    public static Ed25519NoteKey Load(string path, byte expectedType)
    {
        var text = File.ReadAllText(path, Encoding.UTF8);
        try
        {
            return ParseSkey(text.EndsWith('\n') ? text[..^1] : text, expectedType);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    public string ToSkey()
    {
        var material = new byte[1 + SeedSize];
        material[0] = SignatureType;
        var seed = key.Export(KeyBlobFormat.RawPrivateKey);
        try
        {
            seed.CopyTo(material, 1);
            return SkeyPrefix + Name + "+" + VerifierKey.KeyId.ToString("x8", CultureInfo.InvariantCulture) + "+" + Convert.ToBase64String(material);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
            CryptographicOperations.ZeroMemory(material);
        }
    }

    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var bytes = Encoding.UTF8.GetBytes(ToSkey() + "\n");
        try
        {
            SecureFile.WriteAllBytes(path, bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    public byte[] Sign(ReadOnlySpan<byte> message) => SignatureAlgorithm.Ed25519.Sign(key, message);

    public void Dispose() => key.Dispose();

    private static KeyCreationParameters Exportable => new() { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
}
