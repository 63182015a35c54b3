using CareLedger.Ledger.Receipts;

namespace CareLedger.Access.Audit.Receipts;

/// <summary>
/// Everything needed to prove one audit record offline (docs/receipts.md, "Audit receipts"): the record's canonical
/// bytes and salt (their SHA-256 is the commitment), its place in its batch with the RFC 9162 inclusion path from the
/// commitment to the batch root, and the ledger <see cref="Receipt"/> of the <c>Anchor</c> transaction whose digest
/// is that root. JSON form <c>careledger-audit-receipt/v1</c> (<see cref="AuditReceipts.ToJson"/>).
/// </summary>
/// <param name="Record">The canonical CBOR bytes of the audit record.</param>
/// <param name="Salt">32 random bytes, kept beside the record only.</param>
/// <param name="Batch">The batch number (the anchor's context, 8 bytes big-endian).</param>
/// <param name="BatchSize">Number of records (leaves) in the batch tree.</param>
/// <param name="Index">The record's leaf index in the batch tree.</param>
/// <param name="BatchPath">The audit path PATH(Index, batch), from the leaf's sibling up; empty for a batch of one.</param>
/// <param name="Anchor">The ledger receipt of the batch's <c>Anchor</c> transaction.</param>
public sealed record AuditReceipt(byte[] Record, byte[] Salt, long Batch, int BatchSize, int Index, IReadOnlyList<byte[]> BatchPath, Receipt Anchor)
{
    public const string FormatV1 = "careledger-audit-receipt/v1";

    public string Format => FormatV1;
}
