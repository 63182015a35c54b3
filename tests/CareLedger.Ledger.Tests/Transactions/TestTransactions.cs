using System.Formats.Cbor;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Tests.Transactions;

/// <summary>Builders of transactions, and of deliberately malformed encodings, for tests.</summary>
internal static class TestTransactions
{
    public static AnchorPayload Anchor(int contextBytes = 3) =>
        new("audit-event", Enumerable.Repeat((byte)0xAA, 32).ToArray(), new byte[contextBytes]);

    public static SignedTransaction SignedAnchor(AuthorKey key, int contextBytes = 3) =>
        SignedTransaction.Sign(Transaction.Create(Anchor(contextBytes), key.Id, TimeProvider.System), key);

    public static SignedTransaction Signed(ITransactionPayload payload, AuthorKey key) =>
        SignedTransaction.Sign(Transaction.Create(payload, key.Id, TimeProvider.System), key);

    /// <summary>[body, signature] written without canonical checks, so that tests can build any encoding.</summary>
    public static byte[] Envelope(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature)
    {
        var writer = new CborWriter(CborConformanceMode.Lax);
        writer.WriteStartArray(2);
        writer.WriteByteString(body);
        writer.WriteByteString(signature);
        writer.WriteEndArray();
        return writer.Encode();
    }

    /// <summary>A body map written field by field in the given order, without canonical checks.</summary>
    public static byte[] Body(params (uint Key, Action<CborWriter> Write)[] fields)
    {
        var writer = new CborWriter(CborConformanceMode.Lax);
        writer.WriteStartMap(fields.Length);
        foreach (var (key, write) in fields)
        {
            writer.WriteUInt32(key);
            write(writer);
        }

        writer.WriteEndMap();
        return writer.Encode();
    }

    /// <summary>The six standard body fields, with one replaced or removed by the caller.</summary>
    public static List<(uint Key, Action<CborWriter> Write)> StandardFields(KeyId author) =>
    [
        (1, w => w.WriteUInt32(1)),
        (2, w => w.WriteByteString(TxId.NewId(TimeProvider.System).ToArray())),
        (3, w => w.WriteUInt32((uint)TxType.Anchor)),
        (4, w => w.WriteByteString(author.ToArray())),
        (5, w => w.WriteUInt64(1_764_000_000_000)),
        (6, w => w.WriteByteString(Anchor().Encode())),
    ];
}
