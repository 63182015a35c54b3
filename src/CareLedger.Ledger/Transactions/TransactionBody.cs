using System.Buffers;
using System.Formats.Cbor;
using System.Security.Cryptography;
using CareLedger.Ledger.Crypto;

namespace CareLedger.Ledger.Transactions;

/// <summary>
/// The signed body of a transaction (ADR 0001): a canonical CBOR map
/// {1: version = 1, 2: id (bstr 16), 3: type (uint), 4: author key id (bstr 32), 5: time (uint, Unix ms), 6: payload (bstr)}.
/// </summary>
internal static class TransactionBody
{
    public const uint Version = 1;

    private const string Context = "transaction body";
    private const uint VersionKey = 1;
    private const uint IdKey = 2;
    private const uint TypeKey = 3;
    private const uint AuthorKey = 4;
    private const uint TimeKey = 5;
    private const uint PayloadKey = 6;

    /// <summary>Domain separation: a transaction signature can never be taken for a signature over anything else.</summary>
    private static ReadOnlySpan<byte> SignaturePrefix => "careledger/tx/v1\n"u8;

    public static byte[] Encode(Transaction tx)
    {
        var milliseconds = tx.Time.ToUnixTimeMilliseconds();
        if (milliseconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(tx), "a transaction's time cannot be before 1970");
        }

        var writer = CanonicalCbor.NewWriter();
        Span<byte> scratch = stackalloc byte[KeyId.Length];
        writer.WriteStartMap(6);
        writer.WriteUInt32(VersionKey);
        writer.WriteUInt32(Version);
        writer.WriteUInt32(IdKey);
        tx.Id.CopyTo(scratch);
        writer.WriteByteString(scratch[..TxId.Length]);
        writer.WriteUInt32(TypeKey);
        writer.WriteUInt32((ushort)tx.Type);
        writer.WriteUInt32(AuthorKey);
        tx.Author.CopyTo(scratch);
        writer.WriteByteString(scratch);
        writer.WriteUInt32(TimeKey);
        writer.WriteUInt64((ulong)milliseconds);
        writer.WriteUInt32(PayloadKey);
        writer.WriteByteString(tx.Payload.Span);
        writer.WriteEndMap();
        return writer.Encode();
    }

    public static Transaction Decode(ReadOnlyMemory<byte> body) => CanonicalCbor.Decode(body, Context, reader => Read(reader, body), Encode);

    /// <summary>SHA-256("careledger/tx/v1\n" ‖ body), the digest that the author signs.</summary>
    public static void SigningDigest(ReadOnlySpan<byte> body, Span<byte> digest)
    {
        var length = SignaturePrefix.Length + body.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            SignaturePrefix.CopyTo(buffer);
            body.CopyTo(buffer.AsSpan(SignaturePrefix.Length));
            SHA256.HashData(buffer.AsSpan(0, length), digest);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Transaction Read(CborReader reader, ReadOnlyMemory<byte> body)
    {
        CanonicalCbor.ReadMapStart(reader, Context, 6, 6);
        CanonicalCbor.ExpectKey(reader, VersionKey, Context, "version");
        var version = CanonicalCbor.ReadUInt(reader, Context, "version");
        if (version != Version)
        {
            throw new InvalidTransactionException(TransactionErrors.UnknownVersion, $"{Context}: version {version} is not supported (this node reads version {Version})");
        }

        CanonicalCbor.ExpectKey(reader, IdKey, Context, "id");
        var id = new TxId(CanonicalCbor.ReadBytes(reader, body, Context, "id", TxId.Length, TxId.Length).Span);
        CanonicalCbor.ExpectKey(reader, TypeKey, Context, "type");
        var typeNumber = CanonicalCbor.ReadUInt(reader, Context, "type");
        if (typeNumber > ushort.MaxValue || !Enum.IsDefined((TxType)typeNumber))
        {
            throw new InvalidTransactionException(TransactionErrors.UnknownType, $"{Context}: transaction type {typeNumber} is unknown");
        }

        CanonicalCbor.ExpectKey(reader, AuthorKey, Context, "author");
        var author = new KeyId(CanonicalCbor.ReadBytes(reader, body, Context, "author", KeyId.Length, KeyId.Length).Span);
        CanonicalCbor.ExpectKey(reader, TimeKey, Context, "time");
        var milliseconds = CanonicalCbor.ReadUInt(reader, Context, "time");
        if (milliseconds > (ulong)DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            throw new InvalidTransactionException(TransactionErrors.InvalidField, $"{Context}: time {milliseconds} is beyond the year 9999");
        }

        CanonicalCbor.ExpectKey(reader, PayloadKey, Context, "payload");
        var payload = CanonicalCbor.ReadBytes(reader, body, Context, "payload", 0, SignedTransaction.MaxEncodedBytes);
        reader.ReadEndMap();
        return new Transaction(id, (TxType)typeNumber, author, DateTimeOffset.FromUnixTimeMilliseconds((long)milliseconds), payload);
    }
}
