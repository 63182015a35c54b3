namespace CareLedger.Vault.Keys;

/// <summary>
/// Holds the key-encryption keys (KEKs) that wrap the vault's data keys, and the vault's keyed-hash secrets.
/// A file keyring is the default; the shape fits an HSM or a cloud KMS, where the KEK never leaves the device.
/// </summary>
public interface IKeyEncryptionKeyProvider
{
    /// <summary>The KEK version that <see cref="Wrap"/> uses now.</summary>
    string CurrentKeyId { get; }

    /// <summary>Wraps a 32-byte data key under the current KEK, bound to <paramref name="context"/>.</summary>
    /// <returns>The KEK version used and the wrapped bytes; both are needed to unwrap.</returns>
    WrappedDataKey Wrap(ReadOnlySpan<byte> dek, ReadOnlySpan<byte> context);

    /// <summary>Unwraps a data key. Throws <see cref="System.Security.Cryptography.CryptographicException"/>
    /// when the bytes or the context were altered, <see cref="KeyNotFoundException"/> when the KEK version is unknown.</summary>
    byte[] Unwrap(string keyId, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context);

    /// <summary>A 32-byte secret for keyed hashes. Stable for the provider's lifetime and never rotated,
    /// because record references, patient lookups and blind index tokens must stay comparable.</summary>
    byte[] GetSecret(VaultSecretPurpose purpose);
}
