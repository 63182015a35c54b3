using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace CareLedger.Ledger.Crypto;

/// <summary>
/// The name of an author key: SHA-256 of its SubjectPublicKeyInfo DER (ADR 0001). Held as four integers so
/// that it is a value (equality and hashing without allocation) and can key dictionaries on hot paths.
/// </summary>
public readonly record struct KeyId
{
    public const int Length = 32;

    private readonly ulong word0;
    private readonly ulong word1;
    private readonly ulong word2;
    private readonly ulong word3;

    public KeyId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"a key id is {Length} bytes, not {bytes.Length}", nameof(bytes));
        }

        word0 = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        word1 = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        word2 = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        word3 = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    /// <summary>The id of a public key given as SubjectPublicKeyInfo DER.</summary>
    public static KeyId FromSpki(ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        Span<byte> digest = stackalloc byte[Length];
        SHA256.HashData(subjectPublicKeyInfo, digest);
        return new KeyId(digest);
    }

    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            throw new ArgumentException($"need {Length} bytes to hold a key id", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, word0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], word1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], word2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], word3);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>Lowercase hex, 64 characters.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Length];
        CopyTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    public static KeyId Parse(string text) =>
        TryParse(text, out var id)
            ? id
            : throw new FormatException($"a key id is {Length * 2} hex digits, got '{Shorten(text)}'");

    public static bool TryParse(string? text, out KeyId id)
    {
        id = default;
        if (text is null || text.Length != Length * 2)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[Length];
        if (Convert.FromHexString(text, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != Length)
        {
            return false;
        }

        id = new KeyId(bytes);
        return true;
    }

    private static string Shorten(string? text) =>
        text is null ? "(null)" : text.Length <= 80 ? text : text[..80].ToString(CultureInfo.InvariantCulture) + "...";
}
