namespace CareLedger.Vault;

/// <summary>One committed version's metadata (no content): its commitment and the ledger transaction that committed it.</summary>
public sealed record RecordVersionInfo(int Version, bool Deleted, long LastUpdatedUnixMs, byte[] Commitment, byte[]? TxId);
