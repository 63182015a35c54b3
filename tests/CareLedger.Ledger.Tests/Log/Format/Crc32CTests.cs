using System.Text;
using CareLedger.Ledger.Log.Format;

namespace CareLedger.Ledger.Tests.Log.Format;

public class Crc32CTests
{
    [Fact]
    public void Matches_the_standard_check_value()
    {
        // The CRC-32C check value from the CRC catalogue (and RFC 3720 appendix B.4's polynomial).
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
    }

    [Fact]
    public void Matches_iscsi_test_vector_of_32_zero_bytes()
    {
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(1000)]
    public void Agrees_with_a_bitwise_reference_for_every_length(int length)
    {
        var data = Encoding.ASCII.GetBytes(new string('x', length));
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(i * 13);
        }

        Assert.Equal(BitwiseCrc32C(data), Crc32C.Compute(data));
    }

    [Fact]
    public void Appending_in_pieces_equals_computing_at_once()
    {
        var data = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        var pieces = Crc32C.Append(Crc32C.Append(Crc32C.Seed, data.AsSpan(0, 13)), data.AsSpan(13));

        Assert.Equal(Crc32C.Compute(data), Crc32C.Finish(pieces));
    }

    internal static uint BitwiseCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }
}
