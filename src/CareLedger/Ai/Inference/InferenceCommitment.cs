using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CareLedger.Ai.Inference;

/// <summary>
/// The bytes an inference anchor commits to (docs/ai.md, "Accountability"):
/// <list type="bullet">
/// <item>input commitment = SHA-256(salt[32] ‖ "careledger/inference-input/v1\n" ‖ n as uint32 BE ‖ n × float32 BE),
/// the feature vector in the card's order, a missing value as the canonical NaN 0x7FC00000;</item>
/// <item>output = the probability as IEEE 754 binary64, big-endian;</item>
/// <item>digest = SHA-256(model SHA-256[32] ‖ input commitment[32] ‖ output[8]), the <c>Anchor</c> digest (kind <c>inference</c>).</item>
/// </list>
/// The salt makes the commitment hiding: a few clinical numbers could otherwise be guessed from their hash.
/// </summary>
public static class InferenceCommitment
{
    public const int SaltLength = 32;

    private static readonly byte[] InputDomain = Encoding.UTF8.GetBytes("careledger/inference-input/v1\n");

    public static byte[] NewSalt() => RandomNumberGenerator.GetBytes(SaltLength);

    public static byte[] Input(ReadOnlySpan<byte> salt, ReadOnlySpan<float> features)
    {
        if (salt.Length != SaltLength)
        {
            throw new ArgumentException($"the salt must be {SaltLength} bytes", nameof(salt));
        }

        var bytes = new byte[SaltLength + InputDomain.Length + 4 + (4 * features.Length)];
        salt.CopyTo(bytes);
        var at = SaltLength;
        InputDomain.CopyTo(bytes, at);
        at += InputDomain.Length;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at), (uint)features.Length);
        at += 4;
        foreach (var value in features)
        {
            BinaryPrimitives.WriteSingleBigEndian(bytes.AsSpan(at), float.IsNaN(value) ? BitConverter.Int32BitsToSingle(0x7FC00000) : value);
            at += 4;
        }

        return SHA256.HashData(bytes);
    }

    public static byte[] Digest(string modelSha256Hex, ReadOnlySpan<byte> inputCommitment, double probability)
    {
        var model = Convert.FromHexString(modelSha256Hex);
        if (model.Length != 32 || inputCommitment.Length != 32)
        {
            throw new ArgumentException("the model hash and the input commitment are 32 bytes each");
        }

        var bytes = new byte[32 + 32 + 8];
        model.CopyTo(bytes, 0);
        inputCommitment.CopyTo(bytes.AsSpan(32));
        BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(64), probability);
        return SHA256.HashData(bytes);
    }
}
