namespace CareLedger.Vault.Records;

/// <summary>One encrypted record version as stored, with its commitment.</summary>
internal sealed record SealedRecord(byte[] Nonce, byte[] Ciphertext, byte[] Tag, byte[] Commitment);
