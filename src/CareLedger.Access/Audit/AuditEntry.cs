using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Audit;

/// <summary>
/// A kept audit record and where it is anchored: record <see cref="Index"/> of batch <see cref="Batch"/>, whose Merkle
/// root is the digest of ledger transaction <see cref="Transaction"/>. <see cref="LeafIndex"/> is that transaction's
/// place in the ledger, null while the batch waits for its anchor.
/// </summary>
public sealed record AuditEntry(AuditRecord Record, long Batch, int Index, TxId Transaction, long? LeafIndex)
{
    public bool IsAnchored => LeafIndex is not null;
}
