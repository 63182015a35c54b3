using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Audit.Receipts;

/// <summary>
/// The outcome of verifying an <see cref="AuditReceipt"/> offline: every problem found, each naming the part of the
/// receipt it concerns; when valid, the proved record and the ledger transaction and leaf that anchor it.
/// </summary>
public sealed record AuditReceiptCheck(bool Valid, IReadOnlyList<string> Problems, AuditRecord? Record, TxId? AnchorTransaction, long? AnchorLeaf);
