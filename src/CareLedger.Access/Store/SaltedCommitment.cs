using System.Security.Cryptography;

namespace CareLedger.Access.Store;

/// <summary>
/// What the registries anchor for a record: SHA-256(salt[32] ‖ canonical record bytes). The random salt keeps the
/// ledger's digest from confirming a guessed record; whoever holds record and salt can show the record was anchored.
/// </summary>
internal static class SaltedCommitment
{
    public const int SaltBytes = 32;

    public static byte[] NewSalt() => RandomNumberGenerator.GetBytes(SaltBytes);

    public static byte[] Compute(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> record)
    {
        if (salt.Length != SaltBytes)
        {
            throw new ArgumentException($"a commitment salt is {SaltBytes} bytes, not {salt.Length}", nameof(salt));
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(salt);
        hash.AppendData(record);
        return hash.GetHashAndReset();
    }
}
