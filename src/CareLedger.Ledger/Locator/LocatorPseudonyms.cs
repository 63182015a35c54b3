using System.Formats.Cbor;
using System.Security.Cryptography;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Locator;

/// <summary>
/// What the record locator's two ledger formats (<see cref="LocatorAnnouncement"/>, <see cref="LocatorRetraction"/>) share:
/// a CBOR array of 1 to <see cref="MaxCount"/> locator pseudonyms (bstr of <see cref="Length"/> bytes), strictly
/// ascending; and the anchor that carries either (context = the encoding, digest = SHA-256 of it).
/// </summary>
internal static class LocatorPseudonyms
{
    public const int Length = 32;
    public const int MaxCount = 512;

    public static void Write(CborWriter writer, IReadOnlyList<byte[]> pseudonyms)
    {
        writer.WriteStartArray(pseudonyms.Count);
        foreach (var pseudonym in pseudonyms)
        {
            writer.WriteByteString(pseudonym);
        }

        writer.WriteEndArray();
    }

    public static byte[][] Read(CborReader reader, ReadOnlyMemory<byte> data, string name)
    {
        var count = CanonicalCbor.ReadArrayStart(reader, name, 1, MaxCount);
        var pseudonyms = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            pseudonyms[i] = CanonicalCbor.ReadBytes(reader, data, name, "patient", Length, Length).ToArray();
        }

        reader.ReadEndArray();
        return pseudonyms;
    }

    /// <summary>Why the list cannot be encoded; null when it can.</summary>
    public static string? Problem(IReadOnlyList<byte[]> pseudonyms)
    {
        if (pseudonyms.Count is 0 or > MaxCount)
        {
            return $"1 to {MaxCount} patients are named at once, not {pseudonyms.Count}";
        }

        for (var i = 0; i < pseudonyms.Count; i++)
        {
            if (pseudonyms[i] is not { Length: Length })
            {
                return $"patient {i}: a locator pseudonym is {Length} bytes";
            }

            if (i > 0 && ByteOrder.Instance.Compare(pseudonyms[i - 1], pseudonyms[i]) >= 0)
            {
                return "the patients' pseudonyms must be strictly ascending (each once)";
            }
        }

        return null;
    }

    public static IReadOnlyList<byte[]> Ordered(IEnumerable<byte[]> pseudonyms) =>
        [.. pseudonyms.DistinctBy(Convert.ToHexString).OrderBy(p => p, ByteOrder.Instance)];

    /// <summary>What an anchor of <paramref name="kind"/> carries; null for another kind, a digest that does not match, or an invalid encoding.</summary>
    public static T? FromAnchor<T>(AnchorPayload anchor, string kind, Func<byte[], T> decode)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(anchor);
        if (anchor.Kind != kind || !SHA256.HashData(anchor.Context).AsSpan().SequenceEqual(anchor.Digest))
        {
            return null;
        }

        try
        {
            return decode(anchor.Context);
        }
        catch (InvalidTransactionException)
        {
            return null;
        }
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
