using System.Formats.Cbor;
using System.Security.Cryptography;
using CareLedger.Ledger.Crypto;

namespace CareLedger.Ledger.Transactions;

/// <summary>
/// A transaction with its author's signature, encoded as the canonical CBOR array [body (bstr), signature (bstr 64)].
/// <see cref="Encoded"/> is exactly what the log stores and what the Merkle leaf hashes.
/// </summary>
public sealed class SignedTransaction
{
    /// <summary>The largest encoded transaction accepted anywhere (64 KiB).</summary>
    public const int MaxEncodedBytes = 64 * 1024;

    private const string Context = "signed transaction";

    private SignedTransaction(Transaction transaction, ReadOnlyMemory<byte> encoded, ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> signature)
    {
        Transaction = transaction;
        Encoded = encoded;
        Body = body;
        Signature = signature;
    }

    public Transaction Transaction { get; }

    /// <summary>The exact bytes of the leaf.</summary>
    public ReadOnlyMemory<byte> Encoded { get; }

    /// <summary>The canonical CBOR body that the signature covers (a slice of <see cref="Encoded"/>).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>64 bytes, IEEE P1363 r ‖ s (a slice of <see cref="Encoded"/>).</summary>
    public ReadOnlyMemory<byte> Signature { get; }

    /// <summary>
    /// Signs <paramref name="tx"/> with <paramref name="key"/>, which must be its author. The time is carried in
    /// milliseconds, so <see cref="Transaction"/> of the result holds the time truncated to milliseconds.
    /// </summary>
    public static SignedTransaction Sign(Transaction tx, AuthorKey key)
    {
        if (tx.Author != key.Id)
        {
            throw new ArgumentException($"the transaction's author is {tx.Author} but the signing key is {key.Id}", nameof(key));
        }

        var body = TransactionBody.Encode(tx);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        TransactionBody.SigningDigest(body, digest);
        var encoded = EncodeEnvelope(body, key.SignDigest(digest));
        if (encoded.Length > MaxEncodedBytes)
        {
            throw new ArgumentException($"the signed transaction is {encoded.Length} bytes; at most {MaxEncodedBytes} are allowed", nameof(tx));
        }

        return Decode(encoded);
    }

    /// <summary>Decodes and checks the form (canonical, sizes, known version and type); not the signature.</summary>
    /// <exception cref="InvalidTransactionException">the bytes are not a well-formed canonical transaction.</exception>
    public static SignedTransaction Decode(ReadOnlyMemory<byte> encoded)
    {
        if (encoded.Length > MaxEncodedBytes)
        {
            throw new InvalidTransactionException(TransactionErrors.TooLarge, $"{Context}: {encoded.Length} bytes; at most {MaxEncodedBytes} are allowed");
        }

        if (encoded.IsEmpty)
        {
            throw new InvalidTransactionException(TransactionErrors.Malformed, $"{Context}: no bytes");
        }

        var (body, signature) = CanonicalCbor.Decode(encoded, Context, reader => ReadEnvelope(reader, encoded), parts => EncodeEnvelope(parts.Body.Span, parts.Signature.Span));
        return new SignedTransaction(TransactionBody.Decode(body), encoded, body, signature);
    }

    /// <summary>True when <paramref name="authorSpki"/> is the author's key and the signature is valid.</summary>
    public bool VerifySignature(ReadOnlySpan<byte> authorSpki) =>
        KeyId.FromSpki(authorSpki) == Transaction.Author && VerifySignatureOfKnownAuthor(authorSpki);

    /// <summary>As <see cref="VerifySignature"/> when the caller already knows that <paramref name="authorSpki"/> has the author's key id.</summary>
    internal bool VerifySignatureOfKnownAuthor(ReadOnlySpan<byte> authorSpki)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        TransactionBody.SigningDigest(Body.Span, digest);
        return AuthorSignature.VerifyDigest(Transaction.Author, authorSpki, digest, Signature.Span);
    }

    private static (ReadOnlyMemory<byte> Body, ReadOnlyMemory<byte> Signature) ReadEnvelope(CborReader reader, ReadOnlyMemory<byte> encoded)
    {
        CanonicalCbor.ReadArrayStart(reader, Context, 2, 2);
        var body = CanonicalCbor.ReadBytes(reader, encoded, Context, "body", 1, MaxEncodedBytes);
        var signature = CanonicalCbor.ReadBytes(reader, encoded, Context, "signature", AuthorSignature.SignatureLength, AuthorSignature.SignatureLength);
        reader.ReadEndArray();
        return (body, signature);
    }

    private static byte[] EncodeEnvelope(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature)
    {
        var writer = CanonicalCbor.NewWriter();
        writer.WriteStartArray(2);
        writer.WriteByteString(body);
        writer.WriteByteString(signature);
        writer.WriteEndArray();
        return writer.Encode();
    }
}
