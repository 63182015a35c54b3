using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Engine.Ordering;

/// <summary>
/// One transaction as an ordering delivered it to the sequencer, and the sequencer's verdict on it. An entry that
/// could not even be decoded carries its problem instead of a transaction; every member judges it the same way.
/// </summary>
internal class OrderedEntry
{
    public OrderedEntry(SignedTransaction signed, ITransactionPayload payload, byte[] leafHash, bool signatureVerified)
    {
        Signed = signed;
        Payload = payload;
        LeafHash = leafHash;
        SignatureVerified = signatureVerified;
    }

    public OrderedEntry(byte[] leafHash, string problemCode, string problemMessage)
    {
        LeafHash = leafHash;
        ProblemCode = problemCode;
        ProblemMessage = problemMessage;
    }

    public SignedTransaction? Signed { get; }

    public ITransactionPayload? Payload { get; }

    /// <summary>SHA-256(0x00 ‖ encoded transaction): the leaf it would be.</summary>
    public byte[] LeafHash { get; }

    /// <summary>False when the signature still has to be checked against the author key the rules find.</summary>
    public bool SignatureVerified { get; }

    public string? ProblemCode { get; }

    public string? ProblemMessage { get; }

    /// <summary>Set by the sequencer: the transaction's leaf (new or earlier).</summary>
    public SubmitResult? Result { get; set; }

    /// <summary>Set by the sequencer: why it was refused (nothing was written).</summary>
    public TransactionRejectedException? Rejection { get; set; }
}
