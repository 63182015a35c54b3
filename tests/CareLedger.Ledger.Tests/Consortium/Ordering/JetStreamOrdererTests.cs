using CareLedger.Ledger.Consortium.Ordering;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Tests.Transactions;
using CareLedger.Ledger.Transactions;
using NATS.Client.Core;

namespace CareLedger.Ledger.Tests.Consortium.Ordering;

public sealed class JetStreamOrdererTests : IClassFixture<NatsServerFixture>, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private readonly NatsServerFixture server;
    private readonly AuthorKey author = AuthorKey.Generate();

    public JetStreamOrdererTests(NatsServerFixture server) => this.server = server;

    public void Dispose() => author.Dispose();

    [Fact]
    public async Task Published_batches_are_read_back_in_order_with_their_stream_sequences()
    {
        await using var connection = await ConnectAsync();
        var orderer = await NewOrdererAsync(connection, "in-order");
        var batches = Enumerable.Range(0, 3).Select(i => Batch(i + 1)).ToArray();
        foreach (var batch in batches)
            await orderer.PublishAsync(batch);

        var read = await ReadAsync(orderer, 1, 3);

        Assert.Equal([1ul, 2ul, 3ul], read.Select(b => b.StreamSequence));
        for (var i = 0; i < batches.Length; i++)
            Assert.Equal(batches[i].Select(t => t.Encoded.ToArray()), read[i].Transactions.Select(t => t.ToArray()));
    }

    [Fact]
    public async Task Publishing_the_same_batch_twice_stores_it_once()
    {
        await using var connection = await ConnectAsync();
        var orderer = await NewOrdererAsync(connection, "dedup");
        var batch = Batch(2);

        var first = await orderer.PublishAsync(batch);
        var retried = await orderer.PublishAsync(batch);
        await orderer.PublishAsync(Batch(1));
        var read = await ReadAsync(orderer, 1, 2);

        Assert.False(first.Duplicate);
        Assert.True(retried.Duplicate);
        Assert.Equal(first.StreamSequence, retried.StreamSequence);
        Assert.Equal(first.BatchId, retried.BatchId);
        Assert.Equal([1ul, 2ul], read.Select(b => b.StreamSequence));
        Assert.Equal(2, read[0].Transactions.Count);
        Assert.Single(read[1].Transactions);
    }

    [Fact]
    public async Task A_reader_started_at_sequence_two_sees_only_the_later_batches()
    {
        await using var connection = await ConnectAsync();
        var orderer = await NewOrdererAsync(connection, "from-two");
        var batches = Enumerable.Range(0, 3).Select(_ => Batch(1)).ToArray();
        foreach (var batch in batches)
            await orderer.PublishAsync(batch);

        var read = await ReadAsync(orderer, 2, 2);

        Assert.Equal([2ul, 3ul], read.Select(b => b.StreamSequence));
        Assert.Equal(batches[1][0].Encoded.ToArray(), read[0].Transactions[0].ToArray());
    }

    [Fact]
    public async Task A_message_that_is_not_a_batch_stops_the_reader_with_a_format_exception()
    {
        await using var connection = await ConnectAsync();
        var orderer = await NewOrdererAsync(connection, "bad-bytes");
        await connection.PublishAsync(orderer.Options.Subject, new byte[] { 0x01, 0xff });
        await connection.PingAsync();

        var error = await Assert.ThrowsAsync<FormatException>(() => ReadAsync(orderer, 1, 1));

        Assert.Contains($"Stream '{orderer.Options.StreamName}' message 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("Malformed transaction batch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ensuring_an_existing_stream_again_is_harmless_but_a_conflicting_configuration_is_refused()
    {
        await using var connection = await ConnectAsync();
        var orderer = await NewOrdererAsync(connection, "ensure");
        await orderer.EnsureStreamAsync();
        var conflicting = new JetStreamOrderer(connection, orderer.Options with { Replicas = 1, DuplicateWindow = TimeSpan.FromMinutes(5) });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => conflicting.EnsureStreamAsync().AsTask());

        Assert.Contains(orderer.Options.StreamName, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("net.work")]
    [InlineData("net*")]
    [InlineData("Upper")]
    public void A_network_name_that_cannot_be_a_subject_token_is_refused(string network)
    {
        Assert.Throws<ArgumentException>(() => new JetStreamOrdererOptions(network));
    }

    private async Task<NatsConnection> ConnectAsync()
    {
        var connection = new NatsConnection(NatsOpts.Default with { Url = server.Url });
        await connection.ConnectAsync();
        return connection;
    }

    private static async Task<JetStreamOrderer> NewOrdererAsync(NatsConnection connection, string network)
    {
        var orderer = new JetStreamOrderer(connection, new JetStreamOrdererOptions(network) { Replicas = 1 });
        await orderer.EnsureStreamAsync();
        return orderer;
    }

    private SignedTransaction[] Batch(int count) =>
        Enumerable.Range(0, count).Select(_ => TestTransactions.SignedAnchor(author)).ToArray();

    private static async Task<List<OrderedBatch>> ReadAsync(JetStreamOrderer orderer, ulong from, int count)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        var read = new List<OrderedBatch>();
        await foreach (var batch in orderer.ReadFromAsync(from, deadline.Token))
        {
            read.Add(batch);
            if (read.Count == count)
                break;
        }

        return read;
    }
}
