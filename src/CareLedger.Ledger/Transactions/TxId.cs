using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CareLedger.Ledger.Transactions;

/// <summary>
/// A transaction's unique id: a 16-byte UUIDv7 (RFC 9562) — 48 bits of Unix milliseconds, then random bits —
/// so ids sort by creation time and a retried submission carries the same id and is applied once.
/// </summary>
public readonly record struct TxId : IComparable<TxId>
{
    public const int Length = 16;

    private readonly ulong high;
    private readonly ulong low;

    public TxId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"a transaction id is {Length} bytes, not {bytes.Length}", nameof(bytes));
        }

        high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
    }

    public static TxId FromBytes(ReadOnlySpan<byte> bytes) => new(bytes);

    /// <summary>A new UUIDv7 stamped with <paramref name="time"/>'s current Unix time in milliseconds.</summary>
    public static TxId NewId(TimeProvider time)
    {
        var milliseconds = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (milliseconds < 0 || milliseconds >= 1L << 48)
        {
            throw new ArgumentOutOfRangeException(nameof(time), "the clock is outside the UUIDv7 range (1970 .. 10889)");
        }

        Span<byte> bytes = stackalloc byte[Length];
        RandomNumberGenerator.Fill(bytes[6..]);
        bytes[0] = (byte)(milliseconds >> 40);
        bytes[1] = (byte)(milliseconds >> 32);
        bytes[2] = (byte)(milliseconds >> 24);
        bytes[3] = (byte)(milliseconds >> 16);
        bytes[4] = (byte)(milliseconds >> 8);
        bytes[5] = (byte)milliseconds;
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // variant 10
        return new TxId(bytes);
    }

    /// <summary>The Unix time in milliseconds held in the first 48 bits.</summary>
    public long UnixTimeMilliseconds => (long)(high >> 16);

    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            throw new ArgumentException($"need {Length} bytes to hold a transaction id", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], low);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>The UUID text form, lowercase: 8-4-4-4-12 hex digits.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Length];
        CopyTo(bytes);
        var hex = Convert.ToHexStringLower(bytes);
        return $"{hex.AsSpan(0, 8)}-{hex.AsSpan(8, 4)}-{hex.AsSpan(12, 4)}-{hex.AsSpan(16, 4)}-{hex.AsSpan(20, 12)}";
    }

    /// <summary>Accepts the UUID form (with hyphens) or 32 hex digits.</summary>
    public static TxId Parse(string text) =>
        TryParse(text, out var id)
            ? id
            : throw new FormatException($"a transaction id is a UUID (8-4-4-4-12 hex digits) or 32 hex digits, got '{(text is { Length: > 64 } ? text[..64] + "..." : text)}'");

    public static bool TryParse(string? text, out TxId id)
    {
        id = default;
        if (text is null)
        {
            return false;
        }

        Span<char> hex = stackalloc char[Length * 2];
        if (text.Length == 36)
        {
            if (text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-')
            {
                return false;
            }

            text.AsSpan(0, 8).CopyTo(hex);
            text.AsSpan(9, 4).CopyTo(hex[8..]);
            text.AsSpan(14, 4).CopyTo(hex[12..]);
            text.AsSpan(19, 4).CopyTo(hex[16..]);
            text.AsSpan(24, 12).CopyTo(hex[20..]);
        }
        else if (text.Length == 32)
        {
            text.AsSpan().CopyTo(hex);
        }
        else
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[Length];
        if (Convert.FromHexString(hex, bytes, out var consumed, out var written) != System.Buffers.OperationStatus.Done || consumed != 32 || written != Length)
        {
            return false;
        }

        id = new TxId(bytes);
        return true;
    }

    public int CompareTo(TxId other) => high != other.high ? high.CompareTo(other.high) : low.CompareTo(other.low);

    public static bool operator <(TxId left, TxId right) => left.CompareTo(right) < 0;

    public static bool operator >(TxId left, TxId right) => left.CompareTo(right) > 0;

    public static bool operator <=(TxId left, TxId right) => left.CompareTo(right) <= 0;

    public static bool operator >=(TxId left, TxId right) => left.CompareTo(right) >= 0;
}
