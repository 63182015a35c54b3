namespace CareLedger.Ledger.Receipts;

/// <summary>
/// A self-contained proof that a signed transaction is in the log: the transaction bytes (the Merkle leaf entry),
/// its leaf index, the RFC 9162 inclusion path in a tree of <see cref="TreeSize"/> leaves, and the signed (and
/// cosigned) checkpoint of that size. Serialized as the JSON document "careledger-receipt/v1" (docs/receipts.md).
/// </summary>
public sealed record Receipt(byte[] Transaction, long LeafIndex, long TreeSize, IReadOnlyList<byte[]> InclusionPath, string Checkpoint)
{
    public const string FormatV1 = "careledger-receipt/v1";

    public string Format => FormatV1;
}
