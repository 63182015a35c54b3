using System.Security.Cryptography;
using CareLedger.IO;

namespace CareLedger.Access.Store;

/// <summary>
/// The AES-256 key that seals the free text of access.db (break-glass reasons may hold clinical content), kept apart
/// from the database in DATA/keys/access.key (32 random bytes, mode 0600, written through <see cref="SecureFile"/>).
/// Sealed form (format 1): <c>format[1] ‖ nonce[12] ‖ ciphertext ‖ tag[16]</c>, AES-256-GCM, with associated data
/// binding the ciphertext to its purpose and row, so a sealed value cannot be moved to another row unnoticed.
/// </summary>
internal sealed class AccessKey : IDisposable
{
    public const string FileName = "access.key";
    public const int KeyBytes = 32;

    private const byte Format = 1;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly AesGcm aes;

    private AccessKey(byte[] key)
    {
        aes = new AesGcm(key, TagBytes);
    }

    /// <summary>Loads the key, or creates it the first time (before any sealed value exists).</summary>
    public static AccessKey LoadOrCreate(string path)
    {
        byte[] key;
        if (File.Exists(path))
        {
            key = File.ReadAllBytes(path);
            if (key.Length != KeyBytes)
            {
                CryptographicOperations.ZeroMemory(key);
                throw new InvalidDataException($"access key file '{path}' holds {key.Length} bytes; expected {KeyBytes}");
            }
        }
        else
        {
            key = RandomNumberGenerator.GetBytes(KeyBytes);
            SecureFile.WriteAllBytes(path, key);
        }

        try
        {
            return new AccessKey(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var sealedValue = new byte[1 + NonceBytes + plaintext.Length + TagBytes];
        sealedValue[0] = Format;
        var nonce = sealedValue.AsSpan(1, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        aes.Encrypt(nonce, plaintext, sealedValue.AsSpan(1 + NonceBytes, plaintext.Length), sealedValue.AsSpan(sealedValue.Length - TagBytes), associatedData);
        return sealedValue;
    }

    /// <summary>The plaintext; the caller zeroes it when it held secrets.</summary>
    /// <exception cref="CryptographicException">the value was altered, moved to another row, or sealed under another key.</exception>
    public byte[] Open(ReadOnlySpan<byte> sealedValue, ReadOnlySpan<byte> associatedData)
    {
        if (sealedValue.Length < 1 + NonceBytes + TagBytes || sealedValue[0] != Format)
        {
            throw new CryptographicException("a sealed value of access.db has an unknown format or is truncated");
        }

        var plaintext = new byte[sealedValue.Length - 1 - NonceBytes - TagBytes];
        aes.Decrypt(sealedValue.Slice(1, NonceBytes), sealedValue.Slice(1 + NonceBytes, plaintext.Length), sealedValue[^TagBytes..], plaintext, associatedData);
        return plaintext;
    }

    public void Dispose() => aes.Dispose();
}
