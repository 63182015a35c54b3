namespace CareLedger.Vault;

/// <summary>
/// A sealed, still invisible record version and what the ledger transaction needs: the record's opaque reference,
/// the patient pseudonym (null: organisation), and the salted commitment. Pass it back to Commit or Abandon.
/// </summary>
public sealed record StagedRecord(RecordAddress Address, byte[]? Patient, byte[] RecordRef, byte[] Commitment, long StagingId,
    bool Deleted, long LastUpdatedUnixMs);
