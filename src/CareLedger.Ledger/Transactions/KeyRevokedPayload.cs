using System.Formats.Cbor;
using CareLedger.Ledger.Crypto;

namespace CareLedger.Ledger.Transactions;

/// <summary>Revokes an author key from this point of the log on: canonical CBOR {1: key id (bstr 32)}.</summary>
public sealed record KeyRevokedPayload(KeyId Key) : ITransactionPayload
{
    private const string Name = "KeyRevoked payload";

    public TxType Type => TxType.KeyRevoked;

    public byte[] Encode()
    {
        Span<byte> key = stackalloc byte[KeyId.Length];
        Key.CopyTo(key);
        var writer = CanonicalCbor.NewWriter();
        writer.WriteStartMap(1);
        writer.WriteUInt32(1);
        writer.WriteByteString(key);
        writer.WriteEndMap();
        return writer.Encode();
    }

    public static KeyRevokedPayload Decode(ReadOnlySpan<byte> payload)
    {
        var data = payload.ToArray();
        return CanonicalCbor.Decode(data, Name, reader => Read(reader, data), revoked => revoked.Encode());
    }

    private static KeyRevokedPayload Read(CborReader reader, ReadOnlyMemory<byte> data)
    {
        CanonicalCbor.ReadMapStart(reader, Name, 1, 1);
        CanonicalCbor.ExpectKey(reader, 1, Name, "key");
        var key = CanonicalCbor.ReadBytes(reader, data, Name, "key", KeyId.Length, KeyId.Length);
        reader.ReadEndMap();
        return new KeyRevokedPayload(new KeyId(key.Span));
    }
}
