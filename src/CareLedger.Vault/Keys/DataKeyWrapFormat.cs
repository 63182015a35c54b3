using System.Security.Cryptography;
using System.Text;

namespace CareLedger.Vault.Keys;

/// <summary>
/// A data key wrapped by a KEK (format 1): <c>0x01 ‖ nonce[12] ‖ AES-256-GCM(dek)[32] ‖ tag[16]</c>, with associated
/// data <c>"careledger/vault/dek-wrap/v1" ‖ 0x00 ‖ keyId ‖ 0x00 ‖ context</c>, so a wrapped key moved to another
/// compartment, or relabelled with another KEK version, fails to unwrap.
/// </summary>
internal static class DataKeyWrapFormat
{
    public const byte Version = 1;
    public const int DataKeyBytes = 32;
    public const int NonceBytes = 12;
    public const int TagBytes = 16;
    public const int WrappedBytes = 1 + NonceBytes + DataKeyBytes + TagBytes;

    private static ReadOnlySpan<byte> Domain => "careledger/vault/dek-wrap/v1"u8;

    public static byte[] Wrap(ReadOnlySpan<byte> kek, string keyId, ReadOnlySpan<byte> dek, ReadOnlySpan<byte> context)
    {
        if (dek.Length != DataKeyBytes)
        {
            throw new ArgumentException($"A data key is {DataKeyBytes} bytes, not {dek.Length}.", nameof(dek));
        }

        var wrapped = new byte[WrappedBytes];
        wrapped[0] = Version;
        var nonce = wrapped.AsSpan(1, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(kek, TagBytes);
        aes.Encrypt(nonce, dek, wrapped.AsSpan(1 + NonceBytes, DataKeyBytes), wrapped.AsSpan(1 + NonceBytes + DataKeyBytes),
            AssociatedData(keyId, context));
        return wrapped;
    }

    public static byte[] Unwrap(ReadOnlySpan<byte> kek, string keyId, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context)
    {
        if (wrapped.Length != WrappedBytes || wrapped[0] != Version)
        {
            throw new CryptographicException($"A wrapped data key is {WrappedBytes} bytes of format {Version}.");
        }

        var dek = new byte[DataKeyBytes];
        using var aes = new AesGcm(kek, TagBytes);
        try
        {
            aes.Decrypt(wrapped.Slice(1, NonceBytes), wrapped.Slice(1 + NonceBytes, DataKeyBytes),
                wrapped.Slice(1 + NonceBytes + DataKeyBytes), dek, AssociatedData(keyId, context));
        }
        catch
        {
            CryptographicOperations.ZeroMemory(dek);
            throw;
        }

        return dek;
    }

    private static byte[] AssociatedData(string keyId, ReadOnlySpan<byte> context)
    {
        var keyIdBytes = Encoding.UTF8.GetBytes(keyId);
        var aad = new byte[Domain.Length + 1 + keyIdBytes.Length + 1 + context.Length];
        var rest = aad.AsSpan();
        Domain.CopyTo(rest);
        rest = rest[(Domain.Length + 1)..];
        keyIdBytes.CopyTo(rest);
        rest = rest[(keyIdBytes.Length + 1)..];
        context.CopyTo(rest);
        return aad;
    }
}
