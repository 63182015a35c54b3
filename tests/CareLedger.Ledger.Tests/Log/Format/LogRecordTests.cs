using System.Buffers.Binary;
using CareLedger.Ledger.Log.Format;

namespace CareLedger.Ledger.Tests.Log.Format;

public class LogRecordTests
{
    [Fact]
    public void Header_can_round_trip()
    {
        var header = new LogRecordHeader(1024, 0xDEADBEEF, 4021);
        var bytes = new byte[LogRecordHeader.Size];
        header.WriteTo(bytes);

        Assert.Equal(header, LogRecordHeader.Read(bytes));
    }

    [Theory]
    [InlineData(0L, 1)]
    [InlineData(1L, 7)]
    [InlineData(4021L, 1024)]
    [InlineData(long.MaxValue, 9)]
    public void Can_round_trip(long index, int payloadLength)
    {
        var payload = Enumerable.Range(0, payloadLength).Select(i => (byte)(i * 3)).ToArray();
        var record = new byte[LogRecord.SizeOf(payloadLength)];

        Assert.Equal(record.Length, LogRecord.Write(index, payload, record));

        Assert.Null(LogRecord.Validate(record, index));
        var header = LogRecordHeader.Read(record);
        Assert.Equal((uint)payloadLength, header.PayloadLength);
        Assert.Equal(index, header.Index);
        Assert.Equal(payload, record[LogRecordHeader.Size..]);
    }

    [Fact]
    public void Checksum_covers_length_then_index_then_payload()
    {
        var payload = "payload"u8.ToArray();
        var record = new byte[LogRecord.SizeOf(payload.Length)];
        LogRecord.Write(42, payload, record);

        var covered = new byte[4 + 8 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(covered, (uint)payload.Length);
        BinaryPrimitives.WriteInt64LittleEndian(covered.AsSpan(4), 42);
        payload.CopyTo(covered, 12);

        Assert.Equal(Crc32CTests.BitwiseCrc32C(covered), LogRecordHeader.Read(record).Checksum);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(20)]
    public void A_flipped_byte_anywhere_fails_validation(int offset)
    {
        var record = new byte[LogRecord.SizeOf(5)];
        LogRecord.Write(3, "abcde"u8, record);
        record[offset] ^= 0x10;

        Assert.NotNull(LogRecord.Validate(record, 3));
    }

    [Fact]
    public void A_valid_record_at_another_index_fails_validation()
    {
        var record = new byte[LogRecord.SizeOf(1)];
        LogRecord.Write(3, "a"u8, record);

        Assert.Equal("carries index 3", LogRecord.Validate(record, 4));
    }

    [Fact]
    public void An_empty_payload_cannot_be_written()
    {
        Assert.Throws<ArgumentException>(() => LogRecord.Write(0, [], new byte[LogRecordHeader.Size]));
    }
}
