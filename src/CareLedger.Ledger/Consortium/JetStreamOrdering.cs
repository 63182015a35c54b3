using System.Security.Cryptography;
using System.Threading.Channels;
using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Consortium.Cosigning;
using CareLedger.Ledger.Consortium.Evidence;
using CareLedger.Ledger.Consortium.Ordering;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Engine.Ordering;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;
using NATS.Client.Core;

namespace CareLedger.Ledger.Consortium;

/// <summary>
/// A consortium member's ordering (ADR 0005). Local submissions are published in batches to the network's stream;
/// the stream is read back in order from the member's saved position and handed to the sequencer, decoded and with
/// signatures checked ahead on the thread pool; the cosignatures of every member are read from the network's
/// second stream into the quorum collector and the equivocation detector; a caller is answered once its leaf is
/// covered by a quorum-cosigned checkpoint that this member's own tree confirms. Any evidence halts the member.
/// </summary>
internal sealed class JetStreamOrdering : ILedgerOrdering
{
    private const int InboxCapacity = 256;

    /// <summary>Below NATS's default 1 MiB payload limit, with room for the batch header.</summary>
    private const int MaxBatchBytes = 900 * 1024;

    private static readonly TimeSpan RetryFirst = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RetryMax = TimeSpan.FromSeconds(2);

    private readonly ConsortiumOptions options;
    private readonly ConsortiumTerms terms;
    private readonly string member;
    private readonly OrderingPosition start;
    private readonly bool logAhead;
    private readonly TimeProvider time;
    private readonly CancellationTokenSource stopping = new();

    // Cosignatures are still published after an alarm stopped everything else (a halted member's last view is
    // evidence for the others); only closing the engine stops them.
    private readonly CancellationTokenSource closing = new();

    // Cosignatures are still read after an alarm, as evidence only (nothing more is committed): a member that halted on
    // a divergence names the equivocation when the signer's other cosignature of that size arrives later.
    private readonly CancellationTokenSource watching = new();
    private readonly Channel<Submission> outbox = Channel.CreateUnbounded<Submission>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<OrderedMessage> inbox = Channel.CreateBounded<OrderedMessage>(new BoundedChannelOptions(InboxCapacity) { SingleReader = true, SingleWriter = true });
    private readonly Channel<bool> maintenanceWake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Lock pendingGate = new();
    private readonly Dictionary<TxId, List<Submission>> pending = [];
    private readonly CommitTracker commits = new();

    // Completed once the stream was found to hold the message this member resumed after (or it rolled back to one it
    // holds): until then nothing is cosigned, and others' cosignatures are not compared with a suffix that may go.
    private readonly TaskCompletionSource streamVerified = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock cosignGate = new();
    private readonly SemaphoreSlim publishSlots;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, byte> cosignaturePublishes = new();
    private LedgerEngine engine = null!;
    private CosignatureCollector collector = null!;
    private EquivocationDetector detector = null!;
    private NatsConnection connection = null!;
    private JetStreamOrderer orderer = null!;
    private CosignatureStream cosignatures = null!;
    private Task background = Task.CompletedTask;
    private CommitPoint? commitPoint;
    private ulong lastSequence;
    private long lastMessageAt;
    private ulong tickedAfter;
    private long shortOfQuorumSince;
    private string? lastError;
    private Exception? failed;

    public JetStreamOrdering(ConsortiumOptions options, ConsortiumTerms terms, string member, OrderingPosition start, bool logAhead, TimeProvider time)
    {
        this.options = options;
        this.terms = terms;
        this.member = member;
        this.start = start;
        this.logAhead = logAhead;
        this.time = time;
        publishSlots = new SemaphoreSlim(options.MaxPublishesInFlight);
        lastSequence = start.StreamSequence;
        lastMessageAt = time.GetTimestamp();
    }

    public CommitPoint? CommitPoint => Volatile.Read(ref commitPoint);

    /// <summary>Whether the stream still holds the message this member resumed after (see <see cref="streamVerified"/>).</summary>
    public bool StreamVerified => streamVerified.Task.IsCompleted;

    public void Start(LedgerEngine owner)
    {
        engine = owner;
        // Each checkpoint is judged by the member set in force at its size (ADR 0008).
        // The quorum too comes from the state: governance changes it at a leaf like the members.
        ConsortiumMemberSet MembersAt(long size) => new(owner.CosignersAt(size), owner.State.QuorumAt(size));
        // The set in force at N is final once the state applied N leaves: cosignatures of larger checkpoints (this
        // member is behind) wait in the collector instead of being judged by a set a governance change may still alter.
        collector = new CosignatureCollector(terms.Origin, MembersAt, () => owner.State.AppliedCount);
        detector = new EquivocationDetector(terms.Origin, MembersAt, owner.LocalRoot, owner.IsConsistent);
        if (owner.StoredCommit() is { } stored)
        {
            lock (cosignGate)
            {
                collector.Add(stored.Note);
                TryAdvanceLocalCommit();
            }
        }

        // Pings every second: a server that stopped answering (paused, partitioned) is left within seconds, not minutes.
        connection = new NatsConnection(NatsOpts.Default with { Url = options.NatsUrl, Name = "careledger " + member, PingInterval = TimeSpan.FromSeconds(1), MaxPingOut = 3 });
        orderer = new JetStreamOrderer(connection, new JetStreamOrdererOptions(terms.Network) { Replicas = options.Replicas, DuplicateWindow = options.DuplicateWindow });
        cosignatures = new CosignatureStream(connection, terms.Network, options.Replicas);
        background = Task.Run(RunAsync);
    }

    public Task<SubmitResult> Submit(Submission submission)
    {
        if (Volatile.Read(ref failed) is { } error)
        {
            return Task.FromException<SubmitResult>(error);
        }

        lock (pendingGate)
        {
            var id = submission.Signed.Transaction.Id;
            if (!pending.TryGetValue(id, out var list))
            {
                list = [];
                pending.Add(id, list);
            }

            list.Add(submission);
        }

        if (!outbox.Writer.TryWrite(submission))
        {
            Forget(submission);
            return Task.FromException<SubmitResult>(engine.Unavailable());
        }

        return submission.Completion.Task;
    }

    public bool WaitForMessages(List<OrderedMessage> group, int maxTransactions)
    {
        var reader = inbox.Reader;
        if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            return false;
        }

        var count = 0;
        // A rollback request is handled alone, after everything delivered before it.
        while (count < maxTransactions && reader.TryPeek(out var next) && (group.Count == 0 || next.Rollback is null) && reader.TryRead(out var message))
        {
            group.Add(message);
            count += message.Entries.Count;
            if (message.Rollback is not null)
            {
                break;
            }
        }

        return true;
    }

    public void Applied(IReadOnlyList<OrderedMessage> group)
    {
        List<(Submission Submission, OrderedEntry Entry)>? resolved = null;
        lock (pendingGate)
        {
            if (pending.Count > 0)
            {
                foreach (var message in group)
                {
                    foreach (var entry in message.Entries)
                    {
                        if (entry.Signed is { } signed && pending.TryGetValue(signed.Transaction.Id, out var list))
                        {
                            for (var i = list.Count - 1; i >= 0; i--)
                            {
                                if (list[i].LeafHash.AsSpan().SequenceEqual(entry.LeafHash))
                                {
                                    (resolved ??= []).Add((list[i], entry));
                                    list.RemoveAt(i);
                                }
                            }

                            if (list.Count == 0)
                            {
                                pending.Remove(signed.Transaction.Id);
                            }
                        }
                    }
                }
            }
        }

        foreach (var (submission, entry) in resolved ?? [])
        {
            if (entry.Result is { } result)
            {
                commits.Track(submission, result);
            }
            else
            {
                submission.Completion.TrySetException(entry.Rejection!);
            }
        }

        maintenanceWake.Writer.TryWrite(true);
    }

    public void Signed(SignedNote note)
    {
        if (Volatile.Read(ref failed) is not LedgerHaltedException)
        {
            Observe(note);
        }

        TrackPublish(PublishCosignatureAsync(note));
    }

    private void TrackPublish(Task publish)
    {
        cosignaturePublishes.TryAdd(publish, 0);
        publish.ContinueWith(done => cosignaturePublishes.TryRemove(done, out _), TaskScheduler.Default);
    }

    public Task WaitForCommitAsync(long leafIndex, CancellationToken ct) => commits.WaitAsync(leafIndex, ct);

    /// <summary>The root <paramref name="memberName"/> was first seen cosigning for <paramref name="size"/> by this member, or null.</summary>
    public byte[]? CosignedRootSeen(string memberName, long size)
    {
        lock (cosignGate)
        {
            return detector.CosignedRoot(memberName, size);
        }
    }

    public void Complete()
    {
        outbox.Writer.TryComplete();
        stopping.Cancel();
        if (Volatile.Read(ref failed) is not LedgerHaltedException)
        {
            watching.Cancel();
        }
    }

    public void Fail(Exception stopped)
    {
        Interlocked.CompareExchange(ref failed, stopped, null);
        Complete();
        FailWaiting(stopped);
    }

    public ConsortiumStatus Status()
    {
        int awaiting;
        lock (cosignGate)
        {
            awaiting = detector.AwaitingLocal;
        }

        int waiting;
        lock (pendingGate)
        {
            waiting = pending.Count;
        }

        return new ConsortiumStatus(terms.Network, member, engine.StreamPosition.StreamSequence, commits.CommittedSize,
            connection.ConnectionState == NatsConnectionState.Open, waiting, awaiting, Volatile.Read(ref lastError));
    }

    public async ValueTask DisposeAsync()
    {
        Complete();
        await watching.CancelAsync().ConfigureAwait(false);
        try
        {
            await background.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The engine is closing: a failure of the background work was already reported (lastError, an alarm).
        }

        // What the checkpointer signed last while closing gets a moment to reach the stream.
        closing.CancelAfter(TimeSpan.FromSeconds(2));
        await Task.WhenAll(cosignaturePublishes.Keys).WaitAsync(TimeSpan.FromSeconds(3)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        await closing.CancelAsync().ConfigureAwait(false);

        FailWaiting(Volatile.Read(ref failed) ?? new ObjectDisposedException(nameof(LedgerEngine), "the ledger engine was closed before the transaction was committed"));
        await connection.DisposeAsync().ConfigureAwait(false);
        stopping.Dispose();
        closing.Dispose();
        watching.Dispose();
        publishSlots.Dispose();
    }

    private async Task RunAsync()
    {
        var ct = stopping.Token;
        try
        {
            await PrepareAsync(ct).ConfigureAwait(false);
            if (engine.LatestOwnCheckpoint is { } own)
            {
                // What this member cosigned last, again: members that started meanwhile learn it.
                TrackPublish(PublishCosignatureAsync(own));
            }

            await Task.WhenAll(ReadStreamAsync(ct), ReadCosignaturesAsync(watching.Token), PublishLoopAsync(ct), MaintainAsync(ct)).ConfigureAwait(false);
        }
        catch (Exception e) when (ct.IsCancellationRequested)
        {
            // Closing or halted: whatever was interrupted (a connection attempt, a read) ends here.
            if (e is not OperationCanceledException)
            {
                Volatile.Write(ref lastError, $"{time.GetUtcNow():HH:mm:ss} {e.Message}");
            }
        }
        finally
        {
            inbox.Writer.TryComplete();
        }
    }

    /// <summary>Connects and makes sure both streams exist (every member does; creating an existing stream is harmless).</summary>
    private async Task PrepareAsync(CancellationToken ct)
    {
        var delay = RetryFirst;
        while (true)
        {
            try
            {
                await connection.ConnectAsync().ConfigureAwait(false);
                await orderer.EnsureStreamAsync(ct).ConfigureAwait(false);
                await cosignatures.EnsureStreamAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                Volatile.Write(ref lastError, $"{time.GetUtcNow():HH:mm:ss} preparing the streams: {e.Message}");
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = Next(delay);
            }
        }
    }

    /// <summary>Reads the transaction stream in order from the saved position, checking that it still agrees with what this member applied.</summary>
    private async Task ReadStreamAsync(CancellationToken ct)
    {
        try
        {
            await ReadStreamInOrderAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            // The sequencer ends once the inbox does, even while cosignatures are still watched after an alarm.
            inbox.Writer.TryComplete();
        }
    }

    private async Task ReadStreamInOrderAsync(CancellationToken ct)
    {
        if (await StreamAgreesWithPositionAsync(ct).ConfigureAwait(false) is not { } resumed)
        {
            return;
        }

        // The message to check before reading on: the one this member resumed after, and again the last one it was
        // handed whenever the consumer is recreated (a NATS server that restarted may have lost it, and the stream
        // given its sequence to another message).
        (ulong Sequence, byte[] Hash)? check = resumed.StreamSequence > 0 ? (resumed.StreamSequence, resumed.MessageHash) : null;
        if (check is null)
        {
            MarkStreamVerified();
        }

        var last = (resumed.StreamSequence, resumed.MessageHash);
        var expected = resumed.StreamSequence + 1;
        var delay = RetryFirst;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (var message in orderer.ReadMessagesFromAsync(check?.Sequence ?? expected, ct).ConfigureAwait(false))
                {
                    delay = RetryFirst;
                    if (check is { } checking)
                    {
                        check = null;
                        if (message.Sequence == checking.Sequence && SHA256.HashData(message.Data).AsSpan().SequenceEqual(checking.Hash))
                        {
                            MarkStreamVerified();
                            continue;
                        }

                        var description = message.Sequence == checking.Sequence
                            ? $"stream message {checking.Sequence} is not the message this member applied there (its bytes differ): the stream replaced it"
                            : $"the stream no longer holds message {checking.Sequence}, which this member applied";
                        if (await RollBackAsync(checking.Sequence, description, ct).ConfigureAwait(false) is not { } target)
                        {
                            return;
                        }

                        last = (target.StreamSequence, target.MessageHash);
                        expected = target.StreamSequence + 1;
                        // The consumer is recreated from the position rolled back to.
                        break;
                    }

                    if (message.Sequence < expected)
                    {
                        continue;
                    }

                    if (message.Sequence > expected)
                    {
                        engine.Halt(engine.StreamContradiction($"the stream skips from message {expected - 1} to {message.Sequence}: messages were lost"));
                        return;
                    }

                    var ordered = Decode(message);
                    await inbox.Writer.WriteAsync(ordered, ct).ConfigureAwait(false);
                    last = (message.Sequence, ordered.Hash);
                    expected = message.Sequence + 1;
                    Volatile.Write(ref lastSequence, message.Sequence);
                    Volatile.Write(ref lastMessageAt, time.GetTimestamp());
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not ChannelClosedException)
            {
                Volatile.Write(ref lastError, $"{time.GetUtcNow():HH:mm:ss} reading the stream: {e.Message}");
                if (last.Item1 > 0)
                {
                    check = last;
                }

                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = Next(delay);
            }
        }
    }

    /// <summary>
    /// Asks the sequencer to roll back before stream message <paramref name="contradicted"/> (after everything already
    /// handed to it) and returns the position it rolled back to, or null when it halted instead.
    /// </summary>
    private async Task<OrderingPosition?> RollBackAsync(ulong contradicted, string description, CancellationToken ct)
    {
        var request = new StreamRollback(contradicted, description);
        await inbox.Writer.WriteAsync(new OrderedMessage(request), ct).ConfigureAwait(false);
        var target = await request.Outcome.Task.WaitAsync(ct).ConfigureAwait(false);
        if (target is not null)
        {
            MarkStreamVerified();
        }

        return target;
    }

    private void MarkStreamVerified()
    {
        if (streamVerified.TrySetResult())
        {
            // A checkpoint decided before the restart waited for this.
            engine.WakeCheckpointerAfterResume();
        }
    }

    /// <summary>
    /// Sequencer thread, rolling back: whether the stream still holds <paramref name="position"/>'s message with the
    /// same bytes. Retried while the stream cannot be read (the sequencer has nothing else to do meanwhile).
    /// </summary>
    public bool StreamHolds(OrderingPosition position)
    {
        var delay = RetryFirst;
        while (true)
        {
            try
            {
                var hash = orderer.MessageHashAsync(position.StreamSequence, stopping.Token).AsTask().GetAwaiter().GetResult();
                return hash is not null && hash.AsSpan().SequenceEqual(position.MessageHash);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                Volatile.Write(ref lastError, $"{time.GetUtcNow():HH:mm:ss} reading stream message {position.StreamSequence}: {e.Message}");
                stopping.Token.WaitHandle.WaitOne(delay);
                stopping.Token.ThrowIfCancellationRequested();
                delay = Next(delay);
            }
        }
    }

    /// <summary>
    /// Sequencer thread: the engine rolled back to <paramref name="size"/> leaves. Callers waiting for a leaf it took
    /// back wait again for their transaction, and every transaction taken back is published to the stream again: one
    /// the stream already carries is applied once by the rules (same id and bytes), one it lost is applied anew, so
    /// nothing submitted through any member is silently dropped.
    /// </summary>
    public void RolledBack(long size, IReadOnlyList<SignedTransaction> taken)
    {
        var waiting = commits.TakeFrom(size);
        lock (pendingGate)
        {
            foreach (var submission in waiting)
            {
                var id = submission.Signed.Transaction.Id;
                if (!pending.TryGetValue(id, out var list))
                {
                    list = [];
                    pending.Add(id, list);
                }

                list.Add(submission);
            }
        }

        if (taken.Count > 0)
        {
            _ = RepublishAsync(taken, stopping.Token);
        }
    }

    private async Task RepublishAsync(IReadOnlyList<SignedTransaction> taken, CancellationToken ct)
    {
        var batch = new List<SignedTransaction>();
        var bytes = 0;
        foreach (var signed in taken)
        {
            if (batch.Count > 0 && (batch.Count >= options.MaxPublishBatch || bytes + signed.Encoded.Length + sizeof(uint) > MaxBatchBytes))
            {
                await PublishUntilStoredAsync(batch, ct).ConfigureAwait(false);
                batch = [];
                bytes = 0;
            }

            batch.Add(signed);
            bytes += signed.Encoded.Length + sizeof(uint);
        }

        await PublishUntilStoredAsync(batch, ct).ConfigureAwait(false);
    }

    private async Task PublishUntilStoredAsync(List<SignedTransaction> batch, CancellationToken ct)
    {
        var batchId = $"{member}/{Guid.CreateVersion7():N}";
        var delay = RetryFirst;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await orderer.PublishAsync(batch, batchId, ct).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Volatile.Write(ref lastError, $"{time.GetUtcNow():HH:mm:ss} publishing rolled-back transactions again: {e.Message}");
                try
                {
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = Next(delay);
            }
        }
    }

    /// <summary>
    /// The stream must still hold the message this member applied last, and more if this member's log holds more
    /// than its state (it crashed between the two). If it does not, the member rolls back what it never cosigned
    /// (ADR 0005) and resumes from there; null when it halted instead.
    /// </summary>
    private async Task<OrderingPosition?> StreamAgreesWithPositionAsync(CancellationToken ct)
    {
        var delay = RetryFirst;
        while (true)
        {
            ulong last;
            try
            {
                last = await orderer.LastSequenceAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                Volatile.Write(ref lastError, $"{time.GetUtcNow():HH:mm:ss} reading the stream's state: {e.Message}");
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = Next(delay);
                continue;
            }

            if (last < start.StreamSequence)
            {
                return await RollBackAsync(last + 1,
                    $"the stream ends at message {last} but this member applied up to message {start.StreamSequence}: the stream lost messages", ct).ConfigureAwait(false);
            }

            if (logAhead && last == start.StreamSequence)
            {
                return await RollBackAsync(last + 1,
                    $"this member's log holds transactions from after stream message {start.StreamSequence}, which the stream does not have", ct).ConfigureAwait(false);
            }

            return start;
        }
    }

    /// <summary>Decodes a stream message into entries, checking signatures ahead when the author's key is already known.</summary>
    private OrderedMessage Decode(StreamMessage message)
    {
        var hash = SHA256.HashData(message.Data);
        var streamMs = message.Timestamp.ToUnixTimeMilliseconds();
        if (CheckpointTick.IsTick(message.Data))
        {
            return new OrderedMessage(message.Sequence, streamMs, hash, [], isTick: true);
        }

        TransactionBatch batch;
        try
        {
            batch = TransactionBatch.Decode(message.Data);
        }
        catch (FormatException)
        {
            // Not a batch: every member skips it alike, and its position is saved like any other.
            return new OrderedMessage(message.Sequence, streamMs, hash, [], isTick: false);
        }

        var entries = new OrderedEntry[batch.Transactions.Count];
        if (entries.Length >= 16)
        {
            Parallel.For(0, entries.Length, i => entries[i] = DecodeEntry(batch.Transactions[i]));
        }
        else
        {
            for (var i = 0; i < entries.Length; i++)
            {
                entries[i] = DecodeEntry(batch.Transactions[i]);
            }
        }

        return new OrderedMessage(message.Sequence, streamMs, hash, entries, isTick: false);
    }

    private OrderedEntry DecodeEntry(ReadOnlyMemory<byte> encoded)
    {
        var leafHash = Rfc9162.HashLeaf(encoded.Span);
        SignedTransaction signed;
        ITransactionPayload payload;
        try
        {
            signed = SignedTransaction.Decode(encoded);
            payload = TransactionPayloads.Decode(signed.Transaction);
        }
        catch (InvalidTransactionException e)
        {
            return new OrderedEntry(leafHash, RejectionCodes.BadPayload, $"{e.Message} ({e.Code})");
        }

        // This member checked the signature of its own submissions when it took them.
        if (IsOwnSubmission(signed.Transaction.Id, leafHash))
        {
            return new OrderedEntry(signed, payload, leafHash, signatureVerified: true);
        }

        // A key's id is the hash of its public key, so a key known now is the key at any later leaf.
        if (engine.State.FindKey(signed.Transaction.Author) is not { } key)
        {
            return new OrderedEntry(signed, payload, leafHash, signatureVerified: false);
        }

        return signed.VerifySignatureOfKnownAuthor(key.PublicKeySpki)
            ? new OrderedEntry(signed, payload, leafHash, signatureVerified: true)
            : new OrderedEntry(leafHash, RejectionCodes.BadSignature, $"the signature is not valid for author key {signed.Transaction.Author}");
    }

    /// <summary>The latest cosignature of every member first, then every cosignature published after them.</summary>
    private async Task ReadCosignaturesAsync(CancellationToken ct)
    {
        try
        {
            // A cosignature over a root this member lacks, at a size it applied but may still roll back, is not yet
            // evidence against its signer: the comparison waits for the stream to confirm where this member resumed.
            await streamVerified.Task.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        ulong? after = null;
        var delay = RetryFirst;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (after is null)
                {
                    var latest = 0UL;
                    foreach (var cosigner in engine.CosignersAt(long.MaxValue))
                    {
                        if (await cosignatures.LatestOfAsync(cosigner.CosignerKey, ct).ConfigureAwait(false) is var (sequence, note))
                        {
                            latest = Math.Max(latest, sequence);
                            if (note is not null)
                            {
                                Observe(note);
                            }
                        }
                    }

                    after = latest;
                }

                await foreach (var (sequence, note) in cosignatures.ReadAsync(after.Value, ct).ConfigureAwait(false))
                {
                    delay = RetryFirst;
                    after = Math.Max(after.Value, sequence);
                    if (note is not null)
                    {
                        Observe(note);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Volatile.Write(ref lastError, $"{time.GetUtcNow():HH:mm:ss} reading cosignatures: {e.Message}");
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = Next(delay);
            }
        }
    }

    /// <summary>One cosigned note: evidence first, then the quorum; a new commit point is served once this member's tree confirms it.</summary>
    private void Observe(SignedNote note)
    {
        var halted = Volatile.Read(ref failed) is LedgerHaltedException;
        if (halted && !WithinLocalTree(note))
        {
            // A halted member's tree no longer grows: what lies beyond it could never be compared, only kept.
            return;
        }

        IReadOnlyList<ConsortiumEvidence> evidence;
        lock (cosignGate)
        {
            evidence = detector.Observe(note);
            if (!halted)
            {
                collector.Add(note);
                if (evidence.Count == 0)
                {
                    TryAdvanceLocalCommit();
                }
            }
        }

        RaiseAlarms(evidence);
    }

    private bool WithinLocalTree(SignedNote note)
    {
        try
        {
            return Checkpoint.Parse(note.Text).Size <= engine.Size;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Under <see cref="cosignGate"/>: serves the quorum's commit point once this member's own tree has the same root at that size.</summary>
    private void TryAdvanceLocalCommit()
    {
        if (collector.CommitPoint is not { } quorum || quorum.Size <= (Volatile.Read(ref commitPoint)?.Size ?? 0))
        {
            return;
        }

        if (engine.LocalRoot(quorum.Size) is not { } local || !local.AsSpan().SequenceEqual(quorum.RootHash))
        {
            return;
        }

        // The collector judges a checkpoint only by the settled set in force at its size; checked again here, where a
        // wrong judgement would commit, because the tree can be ahead of the state after a restart (ADR 0008).
        var members = engine.CosignersAt(quorum.Size);
        if (CosignatureVerification.Verify(quorum.Note, terms.Origin, new MemberKeys(members)).Accepted.Select(c => c.Member.Name).Distinct(StringComparer.Ordinal).Count()
            < engine.State.QuorumAt(quorum.Size))
        {
            return;
        }

        engine.StoreCommit(quorum);
        Volatile.Write(ref commitPoint, quorum);
        commits.Advance(quorum.Size);
    }

    /// <summary>
    /// Every few milliseconds, or when the sequencer applied something: compares cosignatures that were ahead of this
    /// member's tree, serves a commit point the tree now confirms, and publishes a checkpoint tick when transactions
    /// wait uncovered and the stream has been quiet.
    /// </summary>
    private async Task MaintainAsync(CancellationToken ct)
    {
        var quiet = TimeSpan.FromMilliseconds(Math.Max(10, terms.CheckpointIntervalMs / 2));
        var period = quiet < options.DivergenceCheckInterval ? quiet : options.DivergenceCheckInterval;
        while (!ct.IsCancellationRequested)
        {
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                wait.CancelAfter(period);
                try
                {
                    await maintenanceWake.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                }
            }

            IReadOnlyList<ConsortiumEvidence> evidence;
            lock (cosignGate)
            {
                evidence = detector.RecheckLocal();
                if (evidence.Count == 0)
                {
                    collector.Recheck();
                    TryAdvanceLocalCommit();
                }
            }

            RaiseAlarms(evidence);
            await CheckShortOfQuorumAsync(ct).ConfigureAwait(false);
            var after = Volatile.Read(ref lastSequence);
            if (engine.Size > engine.DecidedCheckpointSize && inbox.Reader.Count == 0 && after != tickedAfter
                && time.GetElapsedTime(Volatile.Read(ref lastMessageAt)) >= quiet)
            {
                try
                {
                    await orderer.PublishTickAsync(after, ct).ConfigureAwait(false);
                    tickedAfter = after;
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    Volatile.Write(ref lastError, $"{time.GetUtcNow():HH:mm:ss} publishing a checkpoint tick: {e.Message}");
                }
            }
        }
    }

    /// <summary>
    /// A quorum cosigned a tree larger than this member's, and this member has applied every message of the stream:
    /// it judged some transaction differently from the quorum (its state is not the replay of the log the others
    /// hold). "Every message" is asked of the stream itself (its last sequence), not inferred from this member's
    /// consumer, which may be stalled on a paused server; and the condition must last two checkpoint intervals and a
    /// second, so that a member merely catching up is never taken for divergent.
    /// </summary>
    private async Task CheckShortOfQuorumAsync(CancellationToken ct)
    {
        CommitPoint? quorum;
        lock (cosignGate)
        {
            // The quorum's checkpoint may lie beyond this member's tree by the very transactions it refused: then its
            // member set never settles here and the collector never judges it (its commit point stays below this
            // member's size), so what a quorum of the set known here cosigned beyond that is asked for as well.
            quorum = collector.CommitPoint;
            if ((quorum is null || quorum.Size <= engine.Size) && inbox.Reader.Count == 0)
                quorum = collector.QuorumBeyondSettled() ?? quorum;
        }

        if (quorum is null || quorum.Size <= engine.Size || inbox.Reader.Count > 0)
        {
            shortOfQuorumSince = 0;
            return;
        }

        if (shortOfQuorumSince == 0)
        {
            shortOfQuorumSince = time.GetTimestamp();
            return;
        }

        if (time.GetElapsedTime(shortOfQuorumSince) < TimeSpan.FromMilliseconds((2 * terms.CheckpointIntervalMs) + 1000))
        {
            return;
        }

        ulong last;
        try
        {
            last = await orderer.LastSequenceAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            Volatile.Write(ref lastError, $"{time.GetUtcNow():HH:mm:ss} reading the stream's state: {e.Message}");
            return;
        }

        var applied = engine.StreamPosition.StreamSequence;
        if (applied < last || quorum.Size <= engine.Size)
        {
            // Behind the stream (a stalled consumer catches up once recreated), or caught up meanwhile.
            shortOfQuorumSince = applied < last ? time.GetTimestamp() : 0;
            return;
        }

        engine.Halt(new LedgerAlarm(LedgerAlarm.Divergence, null,
            $"members {string.Join(", ", quorum.Members)} cosigned tree size {quorum.Size}, but this member holds {engine.Size} transactions after applying every stream message (up to {applied}, the stream's last): it judged a transaction differently (is its state tampered with?)",
            time.GetUtcNow(), [quorum.Note.ToString()]));
    }

    private void RaiseAlarms(IReadOnlyList<ConsortiumEvidence> evidence)
    {
        foreach (var item in evidence)
        {
            var (kind, notes) = item switch
            {
                Equivocation e => (LedgerAlarm.Equivocation, new[] { e.FirstNote, e.SecondNote }),
                Divergence d => (LedgerAlarm.Divergence, new[] { d.Note }),
                Inconsistency i => (LedgerAlarm.Inconsistency, new[] { i.SmallerNote, i.LargerNote }),
                _ => ("evidence", Array.Empty<string>()),
            };
            engine.Halt(new LedgerAlarm(kind, item.Member, item.Description, time.GetUtcNow(), notes));
        }
    }

    /// <summary>Sends local submissions to the stream in batches, several batches in flight at once.</summary>
    private async Task PublishLoopAsync(CancellationToken ct)
    {
        var reader = outbox.Reader;
        while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            var batch = new List<Submission>();
            var bytes = Drain(reader, batch, 0);
            if (batch.Count < options.MaxPublishBatch && bytes < MaxBatchBytes && options.PublishLinger > TimeSpan.Zero)
            {
                await Task.Delay(options.PublishLinger, ct).ConfigureAwait(false);
                bytes = Drain(reader, batch, bytes);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            await publishSlots.WaitAsync(ct).ConfigureAwait(false);
            // What arrived while every slot was taken goes in this batch instead of waiting for the next one.
            Drain(reader, batch, bytes);
            _ = PublishBatchAsync(batch, ct);
        }
    }

    private int Drain(ChannelReader<Submission> reader, List<Submission> batch, int bytes)
    {
        while (batch.Count < options.MaxPublishBatch && bytes < MaxBatchBytes && reader.TryRead(out var submission))
        {
            if (!submission.Completion.Task.IsCompleted)
            {
                batch.Add(submission);
                bytes += submission.Signed.Encoded.Length + sizeof(uint);
            }
        }

        return bytes;
    }

    /// <summary>Publishes until JetStream acknowledges (a retry carries the same batch id, so the stream stores it once) or the transactions were applied anyway.</summary>
    private async Task PublishBatchAsync(List<Submission> batch, CancellationToken ct)
    {
        try
        {
            var transactions = batch.Select(s => s.Signed).ToArray();
            // Not derived from the content: a client that submits an applied transaction again must see it reach
            // the stream again (the rules answer with its earlier leaf); only retries of this publish share the id.
            var batchId = $"{member}/{Guid.CreateVersion7():N}";
            var delay = RetryFirst;
            while (!ct.IsCancellationRequested && batch.Any(IsPending))
            {
                try
                {
                    await orderer.PublishAsync(transactions, batchId, ct).ConfigureAwait(false);
                    return;
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    Volatile.Write(ref lastError, $"{time.GetUtcNow():HH:mm:ss} publishing transactions: {e.Message}");
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                    delay = Next(delay);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            publishSlots.Release();
        }
    }

    private async Task PublishCosignatureAsync(SignedNote note)
    {
        var ct = closing.Token;
        var delay = RetryFirst;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await cosignatures.PublishAsync(note, engine.Keys.Cosigner.VerifierKey, ct).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Volatile.Write(ref lastError, $"{time.GetUtcNow():HH:mm:ss} publishing a cosignature: {e.Message}");
                try
                {
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = Next(delay);
            }
        }
    }

    private bool IsPending(Submission submission)
    {
        lock (pendingGate)
        {
            return pending.TryGetValue(submission.Signed.Transaction.Id, out var list) && list.Contains(submission);
        }
    }

    private bool IsOwnSubmission(TxId id, byte[] leafHash)
    {
        lock (pendingGate)
        {
            return pending.TryGetValue(id, out var list) && list.Exists(s => s.LeafHash.AsSpan().SequenceEqual(leafHash));
        }
    }

    private void Forget(Submission submission)
    {
        lock (pendingGate)
        {
            var id = submission.Signed.Transaction.Id;
            if (pending.TryGetValue(id, out var list) && list.Remove(submission) && list.Count == 0)
            {
                pending.Remove(id);
            }
        }
    }

    private void FailWaiting(Exception error)
    {
        List<Submission> waiting;
        lock (pendingGate)
        {
            waiting = [.. pending.Values.SelectMany(list => list)];
            pending.Clear();
        }

        foreach (var submission in waiting)
        {
            submission.Completion.TrySetException(error);
        }

        commits.Fail(error);
    }

    private static TimeSpan Next(TimeSpan delay) => delay * 2 < RetryMax ? delay * 2 : RetryMax;
}
