using System.Formats.Cbor;

namespace CareLedger.Ledger.Transactions;

/// <summary>Record versions committed by a member: canonical CBOR {1: [record commitment, ...] (at least one)}.</summary>
public sealed record RecordsCommittedPayload(IReadOnlyList<RecordCommitment> Records) : ITransactionPayload
{
    /// <summary>Bounded by the transaction size anyway; the limit keeps one transaction's apply cost small.</summary>
    public const int MaxRecords = 512;

    private const string Name = "RecordsCommitted payload";

    public TxType Type => TxType.RecordsCommitted;

    public byte[] Encode()
    {
        if (Records.Count is 0 or > MaxRecords)
        {
            throw new ArgumentException($"{Name}: 1 to {MaxRecords} records are allowed, not {Records.Count}");
        }

        var writer = CanonicalCbor.NewWriter();
        writer.WriteStartMap(1);
        writer.WriteUInt32(1);
        writer.WriteStartArray(Records.Count);
        foreach (var record in Records)
        {
            record.Write(writer);
        }

        writer.WriteEndArray();
        writer.WriteEndMap();
        return writer.Encode();
    }

    public static RecordsCommittedPayload Decode(ReadOnlySpan<byte> payload)
    {
        var data = payload.ToArray();
        return CanonicalCbor.Decode(data, Name, reader => Read(reader, data), committed => committed.Encode());
    }

    private static RecordsCommittedPayload Read(CborReader reader, ReadOnlyMemory<byte> data)
    {
        CanonicalCbor.ReadMapStart(reader, Name, 1, 1);
        CanonicalCbor.ExpectKey(reader, 1, Name, "records");
        var count = CanonicalCbor.ReadArrayStart(reader, Name, 1, MaxRecords);
        var records = new RecordCommitment[count];
        for (var i = 0; i < count; i++)
        {
            records[i] = RecordCommitment.Read(reader, data);
        }

        reader.ReadEndArray();
        reader.ReadEndMap();
        return new RecordsCommittedPayload(records);
    }
}
