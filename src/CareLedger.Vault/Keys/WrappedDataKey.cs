namespace CareLedger.Vault.Keys;

/// <summary>A data key wrapped under the key-encryption key version <paramref name="KeyId"/>.</summary>
public sealed record WrappedDataKey(string KeyId, byte[] Wrapped);
