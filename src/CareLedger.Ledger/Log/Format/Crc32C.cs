using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace CareLedger.Ledger.Log.Format;

/// <summary>
/// CRC-32C (Castagnoli), as in iSCSI, ext4 and RocksDB. <see cref="BitOperations.Crc32C(uint, ulong)"/> maps to the
/// SSE4.2 / ARMv8 CRC32 instruction, so checking a record costs about a cycle per 3 bytes.
/// </summary>
internal static class Crc32C
{
    public const uint Seed = 0xFFFF_FFFFu;

    /// <summary>CRC-32C of <paramref name="data"/> (initial value and final XOR 0xFFFFFFFF).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Seed, data));

    /// <summary>Continues a running CRC over more bytes; start from <see cref="Seed"/>, end with <see cref="Finish"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        if (BitConverter.IsLittleEndian)
        {
            foreach (var word in words)
            {
                crc = BitOperations.Crc32C(crc, word);
            }
        }
        else
        {
            foreach (var word in words)
            {
                crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReverseEndianness(word));
            }
        }

        foreach (var b in data[(words.Length * sizeof(ulong))..])
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }

    public static uint Finish(uint crc) => ~crc;
}
