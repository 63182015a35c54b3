using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Engine;

/// <summary>
/// A durable transaction's place in the log. <see cref="AlreadyApplied"/> is true when the same transaction
/// (same id, same bytes) had already been applied: the answer is then the earlier one.
/// </summary>
public sealed record SubmitResult(TxId Id, long LeafIndex, byte[] LeafHash, bool AlreadyApplied);
