namespace CareLedger.Vault;

/// <summary>
/// What a shred destroyed: the patient's (now retired) pseudonym, for the ledger tombstone, and counts.
/// <see cref="WriteAheadLogTruncated"/> is false only if a long-running reader kept old WAL frames alive; the next
/// shred, key re-wrap or vault open truncates them.
/// </summary>
public sealed record ShredReport(byte[] Pseudonym, int VersionsDestroyed, int ResourcesDestroyed, bool WriteAheadLogTruncated);
