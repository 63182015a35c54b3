using CareLedger.Ledger.Crypto;

namespace CareLedger.Ledger.Transactions;

/// <summary>
/// The signed content of a transaction. <see cref="Time"/> is carried as Unix milliseconds; <see cref="Payload"/>
/// is the canonical CBOR of the typed payload for <see cref="Type"/>.
/// </summary>
public sealed record Transaction(TxId Id, TxType Type, KeyId Author, DateTimeOffset Time, ReadOnlyMemory<byte> Payload)
{
    /// <summary>A new transaction with a fresh id, stamped now, carrying <paramref name="payload"/>.</summary>
    public static Transaction Create(ITransactionPayload payload, KeyId author, TimeProvider time) =>
        new(TxId.NewId(time), payload.Type, author, DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds()), payload.Encode());
}
