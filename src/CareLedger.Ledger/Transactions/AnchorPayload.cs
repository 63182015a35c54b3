using System.Formats.Cbor;

namespace CareLedger.Ledger.Transactions;

/// <summary>
/// Anchors a digest computed elsewhere (an audit event, a data set manifest, a model card, a signal segment):
/// canonical CBOR {1: kind (text), 2: digest (bstr 1..64), 3: context (bstr, opaque, never personal data)}.
/// </summary>
public sealed record AnchorPayload(string Kind, byte[] Digest, byte[] Context) : ITransactionPayload
{
    public const int MaxKindLength = 64;
    public const int MaxDigestLength = 64;

    private const string Name = "Anchor payload";

    public TxType Type => TxType.Anchor;

    public byte[] Encode()
    {
        FieldRules.ThrowIfProblem(Problem(), Name);
        var writer = CanonicalCbor.NewWriter();
        writer.WriteStartMap(3);
        writer.WriteUInt32(1);
        writer.WriteTextString(Kind);
        writer.WriteUInt32(2);
        writer.WriteByteString(Digest);
        writer.WriteUInt32(3);
        writer.WriteByteString(Context);
        writer.WriteEndMap();
        return writer.Encode();
    }

    public static AnchorPayload Decode(ReadOnlySpan<byte> payload)
    {
        var data = payload.ToArray();
        return CanonicalCbor.Decode(data, Name, reader => Read(reader, data), anchor => anchor.Encode());
    }

    private static AnchorPayload Read(CborReader reader, ReadOnlyMemory<byte> data)
    {
        CanonicalCbor.ReadMapStart(reader, Name, 3, 3);
        CanonicalCbor.ExpectKey(reader, 1, Name, "kind");
        var kind = CanonicalCbor.ReadText(reader, Name, "kind", MaxKindLength);
        CanonicalCbor.ExpectKey(reader, 2, Name, "digest");
        var digest = CanonicalCbor.ReadBytes(reader, data, Name, "digest", 1, MaxDigestLength);
        CanonicalCbor.ExpectKey(reader, 3, Name, "context");
        var context = CanonicalCbor.ReadBytes(reader, data, Name, "context", 0, SignedTransaction.MaxEncodedBytes);
        reader.ReadEndMap();
        var anchor = new AnchorPayload(kind, digest.ToArray(), context.ToArray());
        FieldRules.RejectIfProblem(anchor.Problem(), Name);
        return anchor;
    }

    private string? Problem() =>
        FieldRules.NameProblem(Kind, "kind", MaxKindLength)
        ?? FieldRules.BytesProblem(Digest, "digest", 1, MaxDigestLength)
        ?? FieldRules.BytesProblem(Context, "context", 0, SignedTransaction.MaxEncodedBytes);
}
