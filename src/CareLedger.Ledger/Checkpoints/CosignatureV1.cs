using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace CareLedger.Ledger.Checkpoints;

/// <summary>
/// The c2sp.org/tlog-cosignature Ed25519 format (type 0x04): the signature bytes are a big-endian u64 POSIX
/// timestamp followed by an Ed25519 signature over "cosignature/v1\ntime &lt;timestamp&gt;\n" and the checkpoint text.
/// </summary>
public static class CosignatureV1
{
    /// <summary>8-byte timestamp and 64-byte Ed25519 signature.</summary>
    public const int Size = 8 + 64;

    /// <summary>The cosigning time carried by a cosignature's signature bytes; false when they are not a cosignature/v1.</summary>
    public static bool TryReadTimestamp(ReadOnlySpan<byte> signature, out long unixSeconds)
    {
        unixSeconds = 0;
        if (signature.Length != Size)
            return false;
        var timestamp = BinaryPrimitives.ReadUInt64BigEndian(signature);
        if (timestamp > long.MaxValue)
            return false;
        unixSeconds = (long)timestamp;
        return true;
    }

    /// <summary>The message that an Ed25519 cosigner signs.</summary>
    public static byte[] Message(long unixSeconds, string checkpointText)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(unixSeconds);
        return Encoding.UTF8.GetBytes("cosignature/v1\ntime " + unixSeconds.ToString(CultureInfo.InvariantCulture) + "\n" + checkpointText);
    }
}
