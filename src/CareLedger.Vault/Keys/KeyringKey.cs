namespace CareLedger.Vault.Keys;

/// <summary>One key-encryption key version held by a keyring file.</summary>
internal sealed record KeyringKey(string Id, long CreatedUnixMs, byte[] Key);
