using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Consortium;
using CareLedger.Ledger.Consortium.Ordering;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Tests.Consortium.Ordering;
using CareLedger.Ledger.Tests.Transactions;
using CareLedger.Ledger.Transactions;
using CareLedger.Testing;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace CareLedger.Ledger.Tests.Consortium.Network;

/// <summary>
/// A stream that replaces a message a member applied (ADR 0005, decision 12), made deterministically: the network's
/// checkpoints are decided by ticks this test publishes (the interval is far longer than a test), member 1 applies a
/// transaction alone, and the stream is then rewritten — as NATS servers that lost unsynced messages rewrite it — with
/// another transaction at that sequence, which the other members commit. A member that never cosigned the replaced
/// message rolls it back and follows the stream; one that cosigned it halts.
/// </summary>
public abstract class StreamRollbackEngineTests(NatsServerFixture server, StoreKind store)
{
    public sealed class OnSqlite(NatsServerFixture server) : StreamRollbackEngineTests(server, StoreKind.Sqlite), IClassFixture<NatsServerFixture>;

    public sealed class OnPostgres(NatsServerFixture server) : StreamRollbackEngineTests(server, StoreKind.Postgres), IClassFixture<NatsServerFixture>;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest interval a genesis allows: a member publishes a tick of its own only after half of it (30 s) without
    /// a message, and no step of these tests waits that long, so the test decides every checkpoint.
    /// </summary>
    private const int CheckpointIntervalMs = 60_000;

    [Fact]
    public async Task A_member_whose_uncosigned_suffix_the_stream_replaced_rolls_it_back_follows_the_stream_and_publishes_its_transaction_again()
    {
        await using var network = await TestNetwork.StartAsync(server.Url, store, checkpointIntervalMs: CheckpointIntervalMs);
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = server.Url });
        var stream = Stream(nats, network);
        using var author0 = NodeKey(network, 0);
        using var author1 = NodeKey(network, 1);
        var kept = await CommitOneAsync(network, stream, author0);

        // Member 1 alone applies B (stream message kept + 1) and, with no tick, does not cosign it.
        await network.StopMemberAsync(0);
        await network.StopMemberAsync(2);
        var b = TestTransactions.SignedAnchor(author1);
        var waiting = network[1].SubmitAsync(b).AsTask();
        await WaitForAsync(() => network[1].Size == 3, network);
        Assert.True(kept + 1 == network[1].ConsortiumStatus!.StreamSequence, await DumpAsync(stream, kept));
        Assert.Equal(2, Checkpoint.Parse(network[1].LatestOwnCheckpoint!.Text).Size);
        await network.StopMemberAsync(1);
        await Assert.ThrowsAnyAsync<Exception>(() => waiting.WaitAsync(Deadline));

        // The stream loses message kept + 1 and gives its sequence to C, which members 0 and 2 commit.
        var c = TestTransactions.SignedAnchor(author0);
        await RewriteAsync(nats, stream, kept, [c]);
        await network.StartMemberAsync(0);
        await network.StartMemberAsync(2);
        await WaitForAsync(() => network[0].Size == 3 && network[2].Size == 3, network);
        await TickAsync(stream);
        await WaitForAsync(() => network[0].CommitPoint?.Size == 3 && network[2].CommitPoint?.Size == 3, network);

        await network.StartMemberAsync(1);

        // Member 1 rolls B back, applies C where the others have it, and publishes B again: every member applies it next.
        await WaitForAsync(() => new[] { 0, 1, 2 }.All(m => network[m].Size == 4), network);
        await TickAsync(stream);
        await network.WaitForAllAsync(4);
        var recovery = Assert.Single(network[1].Recoveries);
        Assert.Equal(LedgerRecovery.StreamRollback, recovery.Kind);
        Assert.Equal(2, recovery.RolledBackTo);
        Assert.Equal(1, recovery.DroppedLeaves);
        Assert.Equal(kept + 1, recovery.ContradictedSequence);
        Assert.All(new[] { 0, 1, 2 }, m => Assert.Empty(network[m].Alarms));
        Assert.Empty(network[0].Recoveries);
        for (var member = 0; member < 3; member++)
        {
            Assert.Equal(network[0].RootHash(4), network[member].RootHash(4));
            Assert.Equal(c.Encoded.ToArray(), network[member].ReadTransaction(2).Encoded.ToArray());
            Assert.Equal(b.Encoded.ToArray(), network[member].ReadTransaction(3).Encoded.ToArray());
        }

        // It cosigns again, the checkpoints the others cosigned, and B has a receipt everywhere.
        var own = await EventuallyAsync(() => network[1].LatestOwnCheckpoint is { } note && Checkpoint.Parse(note.Text).Size == 4 ? note : null);
        Assert.Equal(network[0].LatestOwnCheckpoint!.Text, own.Text);
        Assert.NotNull(network[2].GetReceipt(b.Transaction.Id));
        Assert.Equal(4, network[1].State.AppliedCount);

        // Its files are exactly a replay of its log: the state rolled back with it, on either store.
        await network.StopMemberAsync(1);
        var report = await LedgerEngine.VerifyAsync(network.Options(1), null, CancellationToken.None);
        Assert.True(report.Ok, report.FirstProblem?.ToString());
    }

    [Fact]
    public async Task A_member_whose_log_was_ahead_of_its_state_drops_the_suffix_the_stream_replaced()
    {
        await using var network = await TestNetwork.StartAsync(server.Url, store, checkpointIntervalMs: CheckpointIntervalMs);
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = server.Url });
        var stream = Stream(nats, network);
        using var author0 = NodeKey(network, 0);
        using var author1 = NodeKey(network, 1);
        var kept = await CommitOneAsync(network, stream, author0);
        var beforeB = network[1].StreamPosition;

        await network.StopMemberAsync(0);
        await network.StopMemberAsync(2);
        var b = TestTransactions.SignedAnchor(author1);
        _ = network[1].SubmitAsync(b).AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
        await WaitForAsync(() => network[1].Size == 3, network);
        await network.StopMemberAsync(1);

        // As after a crash between the log's fsync and the state's commit (the state is written without fsync): B is
        // in member 1's log, not in its state, which stands at the message before it.
        using (var state = LedgerState.Open(network.Options(1).DataDirectory, network.Options(1).Postgres))
        {
            state.RollBack(2, beforeB, _ => throw new InvalidOperationException("no credential to recompute"));
        }

        var c = TestTransactions.SignedAnchor(author0);
        await RewriteAsync(nats, stream, kept, [c]);
        await network.StartMemberAsync(0);
        await network.StartMemberAsync(2);
        await network.StartMemberAsync(1);

        // Member 1 re-derives its log from the stream, finds C where its log holds B, drops B (never applied nor
        // cosigned) and takes C; B, published again, follows at every member.
        await WaitForAsync(() => new[] { 0, 1, 2 }.All(m => network[m].Size == 4), network);
        await TickAsync(stream);
        await network.WaitForAllAsync(4);
        var recovery = Assert.Single(network[1].Recoveries);
        Assert.Equal(2, recovery.RolledBackTo);
        Assert.Equal(1, recovery.DroppedLeaves);
        Assert.All(new[] { 0, 1, 2 }, m => Assert.Empty(network[m].Alarms));
        Assert.Equal(network[0].RootHash(4), network[1].RootHash(4));
        Assert.Equal(c.Encoded.ToArray(), network[1].ReadTransaction(2).Encoded.ToArray());
        Assert.Equal(b.Encoded.ToArray(), network[1].ReadTransaction(3).Encoded.ToArray());
        await network.StopMemberAsync(1);
        var report = await LedgerEngine.VerifyAsync(network.Options(1), null, CancellationToken.None);
        Assert.True(report.Ok, report.FirstProblem?.ToString());
    }

    [Fact]
    public async Task A_member_that_cosigned_the_replaced_message_halts_with_the_stream_contradiction()
    {
        await using var network = await TestNetwork.StartAsync(server.Url, store, checkpointIntervalMs: CheckpointIntervalMs);
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = server.Url });
        var stream = Stream(nats, network);
        using var author0 = NodeKey(network, 0);
        using var author1 = NodeKey(network, 1);
        var kept = await CommitOneAsync(network, stream, author0);

        // Member 1 alone applies B and cosigns it (a tick): a signature it can never take back.
        await network.StopMemberAsync(0);
        await network.StopMemberAsync(2);
        _ = network[1].SubmitAsync(TestTransactions.SignedAnchor(author1)).AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
        await WaitForAsync(() => network[1].Size == 3, network);
        await TickAsync(stream);
        await WaitForAsync(() => network[1].LatestOwnCheckpoint is { } own && Checkpoint.Parse(own.Text).Size == 3, network);
        Assert.Equal(kept + 2, network[1].ConsortiumStatus!.StreamSequence);
        await network.StopMemberAsync(1);

        // The stream gives messages kept + 1 and kept + 2 to two other batches.
        await RewriteAsync(nats, stream, kept, [TestTransactions.SignedAnchor(author0)], [TestTransactions.SignedAnchor(author0)]);
        await network.StartMemberAsync(1);

        var alarm = await EventuallyAsync(() => network[1].Alarms.Count > 0 ? network[1].Alarms[0] : null);
        Assert.Equal(LedgerAlarm.StreamContradictsLog, alarm.Kind);
        Assert.Contains("cosigned", alarm.Description, StringComparison.Ordinal);
        Assert.Empty(network[1].Recoveries);
        Assert.Equal(3, network[1].Size);
        await Assert.ThrowsAsync<LedgerHaltedException>(() => network[1].SubmitAsync(TestTransactions.SignedAnchor(author1)).AsTask());
    }

    /// <summary>Commits one transaction at every member; returns the stream sequence they all stand at.</summary>
    private static async Task<ulong> CommitOneAsync(TestNetwork network, JetStreamOrderer stream, AuthorKey author)
    {
        var submitted = network[0].SubmitAsync(TestTransactions.SignedAnchor(author)).AsTask();
        await WaitForAsync(() => new[] { 0, 1, 2 }.All(m => network[m].Size == 2), network);
        await TickAsync(stream);
        await submitted.WaitAsync(Deadline);
        await network.WaitForAllAsync(2);
        await WaitForAsync(() => new[] { 0, 1, 2 }.All(m => network[m].LatestOwnCheckpoint is { } own && Checkpoint.Parse(own.Text).Size == 2), network);
        // The first message after the genesis decided checkpoint 2 already (60 s after the genesis's stream time 0);
        // the tick, applied by every member too, decided nothing.
        var at = await stream.LastSequenceAsync();
        await WaitForAsync(() => new[] { 0, 1, 2 }.All(m => network[m].ConsortiumStatus!.StreamSequence == at), network);
        return at;
    }

    /// <summary>
    /// Deletes the stream and stores it again with its first <paramref name="kept"/> messages byte for byte, then one
    /// new batch per entry of <paramref name="batches"/>: what a stream whose servers lost their unsynced tail and
    /// took new messages looks like to a member that read the old tail. Every member must be stopped.
    /// </summary>
    private static async Task RewriteAsync(NatsConnection nats, JetStreamOrderer stream, ulong kept, params SignedTransaction[][] batches)
    {
        var messages = new List<byte[]>();
        using (var reading = new CancellationTokenSource(Deadline))
        {
            await foreach (var message in stream.ReadMessagesFromAsync(1, reading.Token))
            {
                messages.Add(message.Data);
                if (message.Sequence == kept)
                {
                    break;
                }
            }
        }

        var jetStream = new NatsJSContext(nats);
        Assert.True(await jetStream.DeleteStreamAsync(stream.Options.StreamName));
        await stream.EnsureStreamAsync();
        foreach (var data in messages)
        {
            var ack = await jetStream.PublishAsync(stream.Options.Subject, data, NatsRawSerializer<byte[]>.Default);
            ack.EnsureSuccess();
        }

        foreach (var batch in batches)
        {
            await stream.PublishAsync(batch, "test/" + Guid.NewGuid().ToString("N"));
        }

        Assert.Equal(kept + (ulong)batches.Length, await stream.LastSequenceAsync());
    }

    private static async Task<string> DumpAsync(JetStreamOrderer stream, ulong kept)
    {
        var last = await stream.LastSequenceAsync();
        var lines = new List<string> { $"kept {kept} last {last}" };
        using var reading = new CancellationTokenSource(Deadline);
        await foreach (var message in stream.ReadMessagesFromAsync(1, reading.Token))
        {
            lines.Add($"{message.Sequence}: {(CheckpointTick.IsTick(message.Data) ? "tick" : string.Join(",", TransactionBatch.Decode(message.Data).Transactions.Select(t => SignedTransaction.Decode(t).Transaction.Id.ToString()[..8])))} at {message.Timestamp:HH:mm:ss.fff}");
            if (message.Sequence == last)
            {
                break;
            }
        }

        return string.Join("\n", lines);
    }

    private static async Task TickAsync(JetStreamOrderer stream) => await stream.PublishTickAsync(await stream.LastSequenceAsync());

    private static JetStreamOrderer Stream(NatsConnection nats, TestNetwork network) =>
        new(nats, new JetStreamOrdererOptions(network.Network) { Replicas = 1, DuplicateWindow = new ConsortiumOptions(network.NatsUrl).DuplicateWindow });

    private static AuthorKey NodeKey(TestNetwork network, int member) =>
        AuthorKey.Load(Path.Combine(network.DataDirectory(member), "keys", NodeKeys.NodeKeyFile));

    private static async Task WaitForAsync(Func<bool> condition, TestNetwork network)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the condition was not met in time: " + network.Describe());
            }

            await Task.Delay(20);
        }
    }

    private static async Task<T> EventuallyAsync<T>(Func<T?> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the condition was not met in time");
            }

            await Task.Delay(20);
        }
    }
}
