using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.State;

/// <summary>A transaction at its leaf, with its decoded payload and leaf hash: the unit that the state applies.</summary>
internal sealed record AppliedTransaction(long LeafIndex, SignedTransaction Signed, ITransactionPayload Payload, byte[] LeafHash)
{
    public Transaction Transaction => Signed.Transaction;
}
