using System.Buffers.Binary;
using CareLedger.Ledger.Log.Format;

namespace CareLedger.Ledger.Tests.Log.Format;

public class SegmentHeaderTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(4021L)]
    [InlineData(long.MaxValue)]
    public void Can_round_trip(long firstIndex)
    {
        var bytes = new byte[SegmentHeader.Size];
        new SegmentHeader(firstIndex).WriteTo(bytes);

        Assert.True(SegmentHeader.TryRead(bytes, out var read, out var problem), problem);
        Assert.Equal(new SegmentHeader(firstIndex), read);
    }

    [Fact]
    public void Has_the_documented_layout()
    {
        var bytes = new byte[SegmentHeader.Size];
        new SegmentHeader(0x0102030405060708).WriteTo(bytes);

        Assert.Equal("CLLOGSEG"u8.ToArray(), bytes[..8]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(0x0102030405060708, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(12)));
        Assert.Equal(Crc32C.Compute(bytes.AsSpan(0, 20)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(20)));
    }

    [Theory]
    [InlineData(0, "magic")]
    [InlineData(8, "checksum")]
    [InlineData(12, "checksum")]
    [InlineData(20, "checksum")]
    public void Any_flipped_byte_is_rejected_with_a_reason(int offset, string reason)
    {
        var bytes = new byte[SegmentHeader.Size];
        new SegmentHeader(77).WriteTo(bytes);
        bytes[offset] ^= 0x01;

        Assert.False(SegmentHeader.TryRead(bytes, out _, out var problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_version_is_rejected_even_with_a_valid_checksum()
    {
        var bytes = new byte[SegmentHeader.Size];
        new SegmentHeader(5).WriteTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(20), Crc32C.Compute(bytes.AsSpan(0, 20)));

        Assert.False(SegmentHeader.TryRead(bytes, out _, out var problem));
        Assert.Contains("version 2", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_header_is_incomplete()
    {
        Assert.False(SegmentHeader.TryRead(new byte[SegmentHeader.Size - 1], out _, out var problem));
        Assert.Contains("incomplete", problem, StringComparison.Ordinal);
    }
}
