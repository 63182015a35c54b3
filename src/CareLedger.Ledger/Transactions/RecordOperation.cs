namespace CareLedger.Ledger.Transactions;

/// <summary>What a record version did. Persisted values: they must only ever grow.</summary>
public enum RecordOperation : byte
{
    Create = 1,
    Update = 2,
    Delete = 3,
}
