using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace CareLedger.Ledger.Log.Format;

/// <summary>
/// The fixed header at the start of every segment file (24 bytes):
/// <c>magic "CLLOGSEG" (8) | format version u32 LE (4) | first record index u64 LE (8) | CRC-32C of the previous 20 bytes u32 LE (4)</c>.
/// The first record index ties the file to its place in the log, so a missing or misplaced segment is detected.
/// </summary>
internal readonly record struct SegmentHeader(long FirstIndex)
{
    public const int Size = 24;
    public const uint CurrentVersion = 1;
    private const int VersionOffset = 8;
    private const int FirstIndexOffset = 12;
    private const int ChecksumOffset = 20;

    public static ReadOnlySpan<byte> Magic => "CLLOGSEG"u8;

    public void WriteTo(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(FirstIndex);
        if (destination.Length < Size)
        {
            throw new ArgumentException($"A segment header needs {Size} bytes; the destination has {destination.Length}.", nameof(destination));
        }

        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[VersionOffset..], CurrentVersion);
        BinaryPrimitives.WriteInt64LittleEndian(destination[FirstIndexOffset..], FirstIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[ChecksumOffset..], Crc32C.Compute(destination[..ChecksumOffset]));
    }

    /// <summary>Parses a header; on failure <paramref name="problem"/> says what is wrong, in words fit for an operator.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out SegmentHeader header, [NotNullWhen(false)] out string? problem)
    {
        header = default;
        if (source.Length < Size)
        {
            problem = $"the segment header is incomplete ({source.Length} of {Size} bytes)";
            return false;
        }

        if (!source[..Magic.Length].SequenceEqual(Magic))
        {
            problem = "the segment header does not start with the magic \"CLLOGSEG\" (not a CareLedger log segment)";
            return false;
        }

        var storedChecksum = BinaryPrimitives.ReadUInt32LittleEndian(source[ChecksumOffset..]);
        if (storedChecksum != Crc32C.Compute(source[..ChecksumOffset]))
        {
            problem = "segment header checksum mismatch";
            return false;
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(source[VersionOffset..]);
        if (version != CurrentVersion)
        {
            problem = $"unsupported segment format version {version} (this build reads version {CurrentVersion})";
            return false;
        }

        var firstIndex = BinaryPrimitives.ReadInt64LittleEndian(source[FirstIndexOffset..]);
        if (firstIndex < 0)
        {
            problem = $"the segment header's first record index {firstIndex} is negative";
            return false;
        }

        header = new SegmentHeader(firstIndex);
        problem = null;
        return true;
    }
}
