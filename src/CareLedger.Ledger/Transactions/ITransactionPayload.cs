namespace CareLedger.Ledger.Transactions;

/// <summary>A typed transaction payload: it knows its <see cref="TxType"/> and its canonical CBOR encoding.</summary>
public interface ITransactionPayload
{
    TxType Type { get; }

    /// <summary>Canonical CBOR; throws <see cref="ArgumentException"/> when a field breaks the payload's rules.</summary>
    byte[] Encode();
}
