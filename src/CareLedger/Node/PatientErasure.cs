using CareLedger.Ledger.Transactions;

namespace CareLedger.Node;

/// <summary>What an erasure did: the tombstone transaction, and how much the vault destroyed.</summary>
internal sealed record PatientErasure(TxId Tombstone, long LeafIndex, int VersionsDestroyed, int ResourcesDestroyed);
