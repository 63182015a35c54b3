using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace CareLedger.Ledger.Checkpoints;

/// <summary>
/// A public note-verification key, written as a vkey "name+hex8(keyid)+base64(type||pubkey)"
/// (golang.org/x/mod/sumdb/note). Types: 0x01 Ed25519 note signatures, 0x04 cosignature/v1.
/// </summary>
public sealed record VerifierKey(string Name, uint KeyId, byte SignatureType, byte[] PublicKey)
{
    private const int Ed25519PublicKeySize = 32;
    private const int Ed25519SignatureSize = 64;

    /// <summary>A key with its key id computed as SHA-256(name || 0x0A || type || public key)[:4].</summary>
    public static VerifierKey Create(string name, byte signatureType, ReadOnlySpan<byte> publicKey)
    {
        NoteSyntax.ThrowIfInvalidKeyName(name, nameof(name));
        CheckTypeAndKey(signatureType, publicKey.Length, static reason => new ArgumentException(reason));
        return new VerifierKey(name, ComputeKeyId(name, signatureType, publicKey), signatureType, publicKey.ToArray());
    }

    /// <summary>SHA-256(name || 0x0A || type || public key)[:4], big-endian.</summary>
    public static uint ComputeKeyId(string name, byte signatureType, ReadOnlySpan<byte> publicKey)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(input, 0);
        input[nameBytes.Length] = 0x0A;
        input[nameBytes.Length + 1] = signatureType;
        publicKey.CopyTo(input.AsSpan(nameBytes.Length + 2));
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        return BinaryPrimitives.ReadUInt32BigEndian(hash);
    }

    public string ToVkey()
    {
        var material = new byte[1 + PublicKey.Length];
        material[0] = SignatureType;
        PublicKey.CopyTo(material, 1);
        return Name + "+" + KeyId.ToString("x8", CultureInfo.InvariantCulture) + "+" + Convert.ToBase64String(material);
    }

    public override string ToString() => ToVkey();

    /// <summary>Parses a vkey; <see cref="FormatException"/> names what is wrong (including a key id that does not match the key).</summary>
    public static VerifierKey Parse(string vkey)
    {
        ArgumentNullException.ThrowIfNull(vkey);
        var parts = vkey.Split('+', 3);
        if (parts.Length != 3)
            throw new FormatException("Malformed verifier key: expected name+keyid+key.");
        var (name, idHex, keyBase64) = (parts[0], parts[1], parts[2]);
        if (!NoteSyntax.IsValidKeyName(name))
            throw new FormatException($"Malformed verifier key: invalid key name '{name}'.");
        if (idHex.Length != 8 || !uint.TryParse(idHex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var keyId))
            throw new FormatException("Malformed verifier key: the key id is not 8 hexadecimal digits.");
        if (!NoteSyntax.TryDecodeBase64(keyBase64, out var material) || material.Length < 2)
            throw new FormatException("Malformed verifier key: the key is not canonical standard base64 of a type byte and a key.");
        var type = material[0];
        CheckTypeAndKey(type, material.Length - 1, static reason => new FormatException("Malformed verifier key: " + reason));
        var publicKey = material[1..];
        if (ComputeKeyId(name, type, publicKey) != keyId)
            throw new FormatException($"Malformed verifier key: key id {idHex} does not match the key of '{name}'.");
        return new VerifierKey(name, keyId, type, publicKey);
    }

    /// <summary>
    /// True when <paramref name="signature"/> is this key's (same name and key id) and valid over <paramref name="note"/>:
    /// type 0x01 is Ed25519 over the note text; type 0x04 is a cosignature/v1 (timestamp || Ed25519 over
    /// "cosignature/v1\ntime T\n" || text).
    /// </summary>
    public bool Verify(SignedNote note, NoteSignature signature)
    {
        ArgumentNullException.ThrowIfNull(note);
        ArgumentNullException.ThrowIfNull(signature);
        if (signature.KeyId != KeyId || !string.Equals(signature.KeyName, Name, StringComparison.Ordinal))
            return false;
        if (PublicKey is null || PublicKey.Length != Ed25519PublicKeySize || signature.Signature is null)
            return false;
        if (!NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, PublicKey, KeyBlobFormat.RawPublicKey, out var key) || key is null)
            return false;

        switch (SignatureType)
        {
            case NoteSignatureType.Ed25519:
                return signature.Signature.Length == Ed25519SignatureSize
                    && SignatureAlgorithm.Ed25519.Verify(key, Encoding.UTF8.GetBytes(note.Text), signature.Signature);
            case NoteSignatureType.CosignatureV1:
                if (!CosignatureV1.TryReadTimestamp(signature.Signature, out var timestamp))
                    return false;
                return SignatureAlgorithm.Ed25519.Verify(key, CosignatureV1.Message(timestamp, note.Text), signature.Signature.AsSpan(8));
            default:
                return false;
        }
    }

    public bool Equals(VerifierKey? other) =>
        other is not null
        && KeyId == other.KeyId
        && SignatureType == other.SignatureType
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && PublicKey.AsSpan().SequenceEqual(other.PublicKey);

    public override int GetHashCode() => HashCode.Combine(Name, KeyId, SignatureType);

    private static void CheckTypeAndKey(byte type, int keyLength, Func<string, Exception> error)
    {
        if (type is not (NoteSignatureType.Ed25519 or NoteSignatureType.CosignatureV1))
            throw error($"signature type 0x{type:x2} is not supported (0x01 Ed25519, 0x04 cosignature/v1).");
        if (keyLength != Ed25519PublicKeySize)
            throw error($"an Ed25519 public key is {Ed25519PublicKeySize} bytes, not {keyLength}.");
    }
}
