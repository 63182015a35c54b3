using System.Security.Cryptography;

namespace CareLedger.Vault.Records;

/// <summary>
/// A record version's sealed form (format 1): AES-256-GCM over <c>salt[32] ‖ resource bytes</c> under the
/// compartment's data key, fresh 12-byte nonce, 16-byte tag, associated data from <see cref="RecordAssociatedData"/>.
/// The commitment published on the ledger is <c>SHA-256(salt ‖ resource bytes)</c>: the salt sits inside the
/// ciphertext, so destroying the data key also destroys every salt, and the commitment reveals nothing afterwards.
/// A delete seals only a salt.
/// </summary>
internal static class SealedRecordFormat
{
    public const byte Format = 1;
    public const int SaltBytes = 32;
    public const int NonceBytes = 12;
    public const int TagBytes = 16;
    public const int KeyBytes = 32;

    public static SealedRecord Seal(ReadOnlySpan<byte> dek, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> content)
    {
        using var aes = new AesGcm(dek, TagBytes);
        return Seal(aes, associatedData, content);
    }

    /// <summary>The same under a cipher already keyed with the data key (kept for the versions of one compartment in one stage).</summary>
    public static SealedRecord Seal(AesGcm aes, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> content)
    {
        var plaintext = new byte[SaltBytes + content.Length];
        try
        {
            RandomNumberGenerator.Fill(plaintext.AsSpan(0, SaltBytes));
            content.CopyTo(plaintext.AsSpan(SaltBytes));
            var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
            var ciphertext = new byte[plaintext.Length];
            var tag = new byte[TagBytes];
            aes.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);

            return new SealedRecord(nonce, ciphertext, tag, SHA256.HashData(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Returns <c>salt ‖ content</c>; the caller zeroes it. Throws <see cref="CryptographicException"/>
    /// when anything sealed or bound was altered.</summary>
    public static byte[] Open(ReadOnlySpan<byte> dek, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> nonce,
        ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag)
    {
        if (nonce.Length != NonceBytes || tag.Length != TagBytes || ciphertext.Length < SaltBytes)
        {
            throw new CryptographicException("The sealed record's nonce, tag or ciphertext has the wrong length.");
        }

        var plaintext = new byte[ciphertext.Length];
        using var aes = new AesGcm(dek, TagBytes);
        aes.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
        return plaintext;
    }

    public static byte[] Content(byte[] opened) => opened.AsSpan(SaltBytes).ToArray();

    public static bool MatchesCommitment(ReadOnlySpan<byte> opened, ReadOnlySpan<byte> commitment)
    {
        Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(opened, actual);
        return CryptographicOperations.FixedTimeEquals(actual, commitment);
    }
}
