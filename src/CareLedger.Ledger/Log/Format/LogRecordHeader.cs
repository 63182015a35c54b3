using System.Buffers.Binary;

namespace CareLedger.Ledger.Log.Format;

/// <summary>
/// The 16 bytes in front of every record's payload:
/// <c>payload length u32 LE (4) | CRC-32C u32 LE (4) | record index u64 LE (8)</c>.
/// The fields are read as stored; <see cref="LogRecord"/> decides whether they are valid.
/// </summary>
internal readonly record struct LogRecordHeader(uint PayloadLength, uint Checksum, long Index)
{
    public const int Size = 16;
    public const int LengthOffset = 0;
    public const int ChecksumOffset = 4;
    public const int IndexOffset = 8;

    public static LogRecordHeader Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(source[LengthOffset..]),
        BinaryPrimitives.ReadUInt32LittleEndian(source[ChecksumOffset..]),
        BinaryPrimitives.ReadInt64LittleEndian(source[IndexOffset..]));

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination[LengthOffset..], PayloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[ChecksumOffset..], Checksum);
        BinaryPrimitives.WriteInt64LittleEndian(destination[IndexOffset..], Index);
    }
}
