using System.Formats.Cbor;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Tests.Transactions;

public class TransactionEncodingTests
{
    /// <summary>
    /// ADR 0001's body encoding, frozen: computed independently from RFC 8949 by hand. If this fails, the
    /// format changed and every existing signature and leaf hash would break: make a new version instead.
    /// </summary>
    private const string GoldenBody =
        "a60101025001936b2a7c007abc8def0123456789ab0314045820000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" +
        "051b0000019ab697e800065836a3016b61756469742d6576656e74025820aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0343637478";

    private static Transaction GoldenTransaction() => new(
        TxId.Parse("01936b2a-7c00-7abc-8def-0123456789ab"),
        TxType.Anchor,
        new KeyId(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()),
        DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000),
        new AnchorPayload("audit-event", Enumerable.Repeat((byte)0xAA, 32).ToArray(), "ctx"u8.ToArray()).Encode());

    [Fact]
    public void The_body_encoding_of_a_known_transaction_is_frozen()
    {
        Assert.Equal(GoldenBody, Convert.ToHexStringLower(TransactionBody.Encode(GoldenTransaction())));
    }

    [Fact]
    public void The_golden_body_decodes_to_the_known_transaction()
    {
        var decoded = TransactionBody.Decode(Convert.FromHexString(GoldenBody));
        var expected = GoldenTransaction();

        Assert.Equal(expected.Id, decoded.Id);
        Assert.Equal(expected.Type, decoded.Type);
        Assert.Equal(expected.Author, decoded.Author);
        Assert.Equal(expected.Time, decoded.Time);
        Assert.Equal(expected.Payload.ToArray(), decoded.Payload.ToArray());
    }

    [Fact]
    public void A_signed_transaction_round_trips_byte_for_byte_and_its_signature_verifies()
    {
        using var key = AuthorKey.Generate();
        var signed = TestTransactions.SignedAnchor(key);

        var decoded = SignedTransaction.Decode(signed.Encoded.ToArray());

        Assert.Equal(signed.Encoded.ToArray(), decoded.Encoded.ToArray());
        Assert.Equal(signed.Transaction.Id, decoded.Transaction.Id);
        Assert.Equal(TxType.Anchor, decoded.Transaction.Type);
        Assert.Equal(key.Id, decoded.Transaction.Author);
        Assert.Equal(signed.Transaction.Time, decoded.Transaction.Time);
        Assert.True(decoded.VerifySignature(key.PublicKeySpki));
    }

    [Fact]
    public void The_signature_covers_the_domain_separated_body()
    {
        using var key = AuthorKey.Generate();
        var signed = TestTransactions.SignedAnchor(key);
        var message = "careledger/tx/v1\n"u8.ToArray().Concat(signed.Body.ToArray()).ToArray();

        Assert.True(AuthorSignature.Verify(key.PublicKeySpki, message, signed.Signature.Span));
        Assert.False(AuthorSignature.Verify(key.PublicKeySpki, signed.Body.Span, signed.Signature.Span));
    }

    [Fact]
    public void Time_is_carried_in_whole_milliseconds()
    {
        using var key = AuthorKey.Generate();
        var time = new DateTimeOffset(2026, 11, 25, 10, 0, 0, 123, TimeSpan.Zero).AddTicks(4567);
        var tx = new Transaction(TxId.NewId(TimeProvider.System), TxType.Anchor, key.Id, time, TestTransactions.Anchor().Encode());

        var signed = SignedTransaction.Sign(tx, key);

        Assert.Equal(time.AddTicks(-4567), signed.Transaction.Time);
    }

    [Fact]
    public void Signing_with_a_key_other_than_the_author_is_refused()
    {
        using var author = AuthorKey.Generate();
        using var other = AuthorKey.Generate();
        var tx = Transaction.Create(TestTransactions.Anchor(), author.Id, TimeProvider.System);

        Assert.Throws<ArgumentException>(() => SignedTransaction.Sign(tx, other));
    }

    [Fact]
    public void A_signature_by_another_key_or_an_all_zero_signature_does_not_verify()
    {
        using var author = AuthorKey.Generate();
        using var other = AuthorKey.Generate();
        var signed = TestTransactions.SignedAnchor(author);
        var forged = SignedTransaction.Decode(TestTransactions.Envelope(signed.Body.Span, other.Sign(signed.Body.Span)));
        var unsigned = SignedTransaction.Decode(TestTransactions.Envelope(signed.Body.Span, new byte[64]));

        Assert.False(forged.VerifySignature(author.PublicKeySpki));
        Assert.False(unsigned.VerifySignature(author.PublicKeySpki));
        Assert.False(signed.VerifySignature(other.PublicKeySpki));
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        using var key = AuthorKey.Generate();
        var encoded = TestTransactions.SignedAnchor(key).Encoded.ToArray().Append((byte)0x00).ToArray();

        AssertInvalid(TransactionErrors.TrailingBytes, encoded);
    }

    [Fact]
    public void More_than_64_KiB_is_refused_before_decoding()
    {
        AssertInvalid(TransactionErrors.TooLarge, new byte[64 * 1024 + 1]);
    }

    [Fact]
    public void A_non_minimal_integer_is_refused_as_non_canonical()
    {
        using var key = AuthorKey.Generate();
        var fields = TestTransactions.StandardFields(key.Id);
        var body = TestTransactions.Body([.. fields]);
        // version 1 written as 0x18 0x01 (one-byte argument) instead of 0x01: same value, another encoding.
        var nonMinimal = new byte[] { body[0], 0x01, 0x18, 0x01 }.Concat(body[3..]).ToArray();

        AssertInvalid(TransactionErrors.NonCanonical, TestTransactions.Envelope(nonMinimal, new byte[64]));
    }

    [Fact]
    public void An_indefinite_length_envelope_is_refused_as_non_canonical()
    {
        using var key = AuthorKey.Generate();
        var signed = TestTransactions.SignedAnchor(key);
        var writer = new CborWriter(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false);
        writer.WriteStartArray(null);
        writer.WriteByteString(signed.Body.Span);
        writer.WriteByteString(signed.Signature.Span);
        writer.WriteEndArray();

        AssertInvalid(TransactionErrors.NonCanonical, writer.Encode());
    }

    [Fact]
    public void Fields_out_of_order_an_extra_field_or_a_missing_field_are_refused()
    {
        using var key = AuthorKey.Generate();
        var fields = TestTransactions.StandardFields(key.Id);
        var swapped = fields.ToList();
        (swapped[1], swapped[2]) = (swapped[2], swapped[1]);
        var extra = fields.Append((7u, w => w.WriteUInt32(0))).ToArray();
        var missing = fields.Where(f => f.Key != 5).ToArray();

        AssertInvalid(TransactionErrors.Malformed, TestTransactions.Envelope(TestTransactions.Body([.. swapped]), new byte[64]));
        AssertInvalid(TransactionErrors.Malformed, TestTransactions.Envelope(TestTransactions.Body(extra), new byte[64]));
        AssertInvalid(TransactionErrors.Malformed, TestTransactions.Envelope(TestTransactions.Body(missing), new byte[64]));
    }

    [Fact]
    public void An_unknown_version_or_type_is_refused()
    {
        using var key = AuthorKey.Generate();
        var version2 = TestTransactions.StandardFields(key.Id);
        version2[0] = (1, w => w.WriteUInt32(2));
        var type99 = TestTransactions.StandardFields(key.Id);
        type99[2] = (3, w => w.WriteUInt32(99));

        AssertInvalid(TransactionErrors.UnknownVersion, TestTransactions.Envelope(TestTransactions.Body([.. version2]), new byte[64]));
        AssertInvalid(TransactionErrors.UnknownType, TestTransactions.Envelope(TestTransactions.Body([.. type99]), new byte[64]));
    }

    [Fact]
    public void Wrong_lengths_of_id_author_or_signature_are_refused()
    {
        using var key = AuthorKey.Generate();
        var shortId = TestTransactions.StandardFields(key.Id);
        shortId[1] = (2, w => w.WriteByteString(new byte[15]));
        var shortAuthor = TestTransactions.StandardFields(key.Id);
        shortAuthor[3] = (4, w => w.WriteByteString(new byte[31]));
        var body = TestTransactions.Body([.. TestTransactions.StandardFields(key.Id)]);

        AssertInvalid(TransactionErrors.BadLength, TestTransactions.Envelope(TestTransactions.Body([.. shortId]), new byte[64]));
        AssertInvalid(TransactionErrors.BadLength, TestTransactions.Envelope(TestTransactions.Body([.. shortAuthor]), new byte[64]));
        AssertInvalid(TransactionErrors.BadLength, TestTransactions.Envelope(body, new byte[63]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("80")]
    [InlineData("ff")]
    [InlineData("820102")]
    [InlineData("a0")]
    public void Garbage_is_refused_as_malformed(string hex)
    {
        var error = Assert.Throws<InvalidTransactionException>(() => SignedTransaction.Decode(Convert.FromHexString(hex)));

        Assert.Equal(TransactionErrors.Malformed, error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    private static void AssertInvalid(string code, byte[] encoded)
    {
        var error = Assert.Throws<InvalidTransactionException>(() => SignedTransaction.Decode(encoded));
        Assert.Equal(code, error.Code);
    }
}
