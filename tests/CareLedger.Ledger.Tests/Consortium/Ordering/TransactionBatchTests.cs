using System.Buffers.Binary;
using CareLedger.Ledger.Consortium.Ordering;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Tests.Transactions;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Tests.Consortium.Ordering;

public sealed class TransactionBatchTests : IDisposable
{
    private readonly AuthorKey author = AuthorKey.Generate();

    [Fact]
    public void A_batch_round_trips_its_transactions_in_order()
    {
        var transactions = new[] { TestTransactions.SignedAnchor(author, 1), TestTransactions.SignedAnchor(author, 40), TestTransactions.SignedAnchor(author, 3) };

        var decoded = TransactionBatch.Decode(TransactionBatch.Of(transactions).Encode());

        Assert.Equal(transactions.Select(t => t.Encoded.ToArray()), decoded.Transactions.Select(t => t.ToArray()));
        Assert.Equal(transactions[1].Transaction.Id, SignedTransaction.Decode(decoded.Transactions[1]).Transaction.Id);
    }

    [Fact]
    public void The_encoding_is_a_version_a_little_endian_count_and_length_prefixed_transactions()
    {
        var transaction = TestTransactions.SignedAnchor(author);

        var bytes = TransactionBatch.Of([transaction]).Encode();

        Assert.Equal(TransactionBatch.Version, bytes[0]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(1)));
        Assert.Equal((uint)transaction.Encoded.Length, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(5)));
        Assert.Equal(transaction.Encoded.ToArray(), bytes[9..]);
    }

    [Fact]
    public void The_batch_id_depends_on_the_transactions_bytes_and_their_order()
    {
        var (a, b) = (TestTransactions.SignedAnchor(author), TestTransactions.SignedAnchor(author));
        var sameIdOtherBytes = SignedTransaction.Sign(a.Transaction with { Payload = TestTransactions.Anchor(contextBytes: 9).Encode() }, author);

        Assert.Equal(TransactionBatch.IdOf([a, b]), TransactionBatch.IdOf([a, b]));
        Assert.NotEqual(TransactionBatch.IdOf([a]), TransactionBatch.IdOf([sameIdOtherBytes]));
        Assert.NotEqual(TransactionBatch.IdOf([a, b]), TransactionBatch.IdOf([b, a]));
        Assert.NotEqual(TransactionBatch.IdOf([a]), TransactionBatch.IdOf([a, b]));
        Assert.Matches("^[0-9a-f]{64}$", TransactionBatch.IdOf([a]));
    }

    [Theory]
    [InlineData("", "shorter than the 5-byte header")]
    [InlineData("0201000000", "version 2")]
    [InlineData("0100000000", "0 transactions")]
    [InlineData("0102000000", "ends before the length of transaction 1 of 2")]
    [InlineData("010100000000000000", "transaction 1 is 0 bytes")]
    [InlineData("01010000000300000061", "transaction 1 of 1 is cut short")]
    [InlineData("0101000000010000006162", "1 bytes follow the last transaction")]
    [InlineData("0101000000ffffffff", "transaction 1 is 4294967295 bytes")]
    public void Malformed_bytes_are_rejected_with_a_format_exception_naming_the_problem(string hex, string expected)
    {
        var error = Assert.Throws<FormatException>(() => TransactionBatch.Decode(Convert.FromHexString(hex)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_batch_cannot_be_built()
    {
        Assert.Throws<ArgumentException>(() => TransactionBatch.Of([]));
    }

    public void Dispose() => author.Dispose();
}
