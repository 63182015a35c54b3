using System.Collections.Concurrent;
using CareLedger.Access.Audit.Format;
using CareLedger.Access.Audit.Receipts;
using CareLedger.Access.Audit.Storage;
using CareLedger.Ledger.Engine;
using CareLedger.Sqlite;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Audit;

/// <summary>
/// The door's audit trail (C7): every decision is queued by <see cref="Record"/>, written to <c>DATA/audit.db</c> in
/// batches, and each batch is anchored on the ledger by ONE <c>Anchor</c> transaction (kind <c>audit-batch</c>,
/// digest = RFC 9162 Merkle root over the batch's salted record commitments, context = the batch number as 8 bytes
/// big-endian) signed by the node key. A record's <see cref="AuditReceipt"/> then proves it offline
/// (<see cref="AuditReceipts.Verify"/>).
/// </summary>
/// <remarks>
/// A background loop takes the queue every <see cref="AuditTrailOptions.BatchInterval"/> or
/// <see cref="AuditTrailOptions.MaxBatch"/> records: records, salts, commitments and the signed anchor transaction
/// go to SQLite in one transaction (fsynced), then the transaction is submitted, then the batch is marked anchored.
/// A batch written but not anchored when the node stopped is anchored on the next open with the same stored
/// transaction, which the ledger applies at most once. If the loop fails (storage, ledger), the trail stops and
/// <see cref="Record"/> throws: the door fails closed rather than disclose without a record.
/// </remarks>
public sealed partial class AuditTrail : IAuditTrail, IAsyncDisposable
{
    private readonly LedgerEngine ledger;
    private readonly AuditTrailOptions options;
    private readonly TimeProvider time;
    private readonly SqliteConnection writer;
    private readonly AuditBatchRows rows;
    private readonly SqliteConnection reader;
    private readonly Lock readLock = new();

    /// <summary>Checkpoints the log off the batch loop (ADR 0020, 0023); erasure's TRUNCATE goes through it.</summary>
    private readonly SqliteWalCheckpointer checkpointer;
    /// <summary>
    /// Records and flush requests in order. Lock-free: the door's threads enqueue on every read, and a lock here (the
    /// channel and the semaphore this replaced) was contended by every reading thread at once.
    /// </summary>
    private readonly ConcurrentQueue<QueuedItem> queue = new();

    /// <summary>The buffers of the queued records' canonical bytes, returned once their batch is written.</summary>
    private readonly EncodedRecordBuffers buffers;

    /// <summary>Wakes request threads waiting for room in a full queue (backpressure), after the loop takes a batch.</summary>
    private readonly ManualResetEventSlim room = new(false);

    /// <summary>
    /// Wakes the loop: a first record, a full batch, a flush, closing. It does not spin before blocking (spin count 0):
    /// the loop waits for the batch interval or for a first record, never for a matter of instructions, and the default
    /// spin (with its yields of the processor) cost ≈ 0.2 µs of CPU per door-on read over HTTP (docs/benchmarks.md,
    /// 2026-12-06 16:45).
    /// </summary>
    private readonly ManualResetEventSlim signal = new(false, spinCount: 0);

    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource loopEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>
    /// Records reserved and not yet taken by the loop: a request thread reserves its place (one interlocked increment,
    /// which also enforces <see cref="AuditTrailOptions.QueueCapacity"/>) before it enqueues, so that the loop, once
    /// closing, knows that no record is still on its way into the queue when this is zero.
    /// </summary>
    private int queuedRecords;

    /// <summary>Flush requests reserved and not yet taken (as <see cref="queuedRecords"/>).</summary>
    private int flushRequests;
    private int waitingForRoom;
    private long nextBatch;

    /// <summary>Records written since the patient index was last merged (the loop's own count; ADR 0018).</summary>
    private long unmergedRecords;

    /// <summary>The batch loop's per-accessor time ranges of the batch being written (reused; ADR 0024).</summary>
    private readonly Dictionary<string, (long Min, long Max)> accessorRanges = new(StringComparer.Ordinal);
    private Exception? failure;
    private int disposed;

    private AuditTrail(LedgerEngine ledger, AuditTrailOptions options, TimeProvider time, SqliteConnection writer, AuditBatchRows rows, SqliteConnection reader,
        SqliteWalCheckpointer checkpointer)
    {
        this.checkpointer = checkpointer;
        this.ledger = ledger;
        this.options = options;
        this.time = time;
        this.writer = writer;
        this.rows = rows;
        this.reader = reader;
        buffers = new EncodedRecordBuffers(keep: 2 * options.MaxBatch);
        nextBatch = LastBatchNumber() + 1;
        unmergedRecords = AuditPatientIndex.Unmerged(writer);
        new Thread(Run) { IsBackground = true, Name = "audit-trail" }.Start();
    }

    /// <summary>
    /// Opens (or creates) the trail in <paramref name="databasePath"/> and starts its loop, which first anchors any
    /// batch that a crash left unanchored. <paramref name="time"/> stamps the anchor transactions.
    /// </summary>
    public static AuditTrail Open(string databasePath, LedgerEngine ledger, AuditTrailOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        options ??= AuditTrailOptions.Default;
        options.Validate();
        var fullPath = AuditDatabase.PrepareFile(databasePath);
        SqliteConnection? writer = null;
        AuditBatchRows? rows = null;
        SqliteConnection? reader = null;
        SqliteWalCheckpointer? checkpointer = null;
        try
        {
            writer = AuditDatabase.OpenWriter(fullPath);
            AuditSchema.Create(writer);
            rows = new AuditBatchRows(writer, options.MaxBatch);
            reader = AuditDatabase.OpenReader(fullPath);
            checkpointer = AuditDatabase.StartCheckpointer(fullPath, options.CheckpointRecords);
            return new AuditTrail(ledger, options, time ?? TimeProvider.System, writer, rows, reader, checkpointer);
        }
        catch
        {
            checkpointer?.Dispose();
            reader?.Dispose();
            rows?.Dispose();
            writer?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Queues the record; it is written and anchored within the batch interval. Only enqueues (the door calls this on
    /// every read); waits only when the queue is full. A record whose id was already recorded is kept once (the first).
    /// </summary>
    /// <exception cref="ArgumentException">The record cannot be kept as it is (the message names the field).</exception>
    /// <exception cref="InvalidOperationException">The trail is closed or failed: the door must refuse.</exception>
    public void Record(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        // Encoded here, on the recording thread, so that the queue holds bytes rather than the record's objects.
        var encoded = EncodedRecord.Encode(record, buffers);
        int queued;
        try
        {
            ThrowIfStopped();
            queued = Reserve();
        }
        catch
        {
            encoded.Release(buffers);
            throw;
        }

        if (Volatile.Read(ref failure) is not null || Volatile.Read(ref disposed) != 0)
        {
            // Closing or failed after the check above: the loop may already have taken its last batch.
            Interlocked.Decrement(ref queuedRecords);
            encoded.Release(buffers);
            ThrowIfStopped();
        }

        queue.Enqueue(new QueuedItem(encoded, null, false));
        if (queued == 1 || queued == options.MaxBatch)
        {
            signal.Set();
        }
    }

    /// <summary>Reserves a place in the queue, waiting while it is full; returns how many records are now reserved.</summary>
    private int Reserve()
    {
        while (true)
        {
            var queued = Interlocked.Increment(ref queuedRecords);
            if (queued <= options.QueueCapacity)
            {
                return queued;
            }

            Interlocked.Decrement(ref queuedRecords);
            WaitForRoom();
        }
    }

    private void WaitForRoom()
    {
        Interlocked.Increment(ref waitingForRoom);
        try
        {
            while (true)
            {
                ThrowIfStopped();
                room.Reset();
                if (Volatile.Read(ref queuedRecords) < options.QueueCapacity)
                {
                    return;
                }

                // Bounded, so that a wake-up another waiter reset in between costs at most this.
                room.Wait(RoomPoll, stopping.Token);
            }
        }
        catch (OperationCanceledException)
        {
            ThrowIfStopped();
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref waitingForRoom);
        }
    }

    /// <summary>Completes once every record recorded before the call is written and anchored on the ledger.</summary>
    /// <exception cref="InvalidOperationException">The trail is closed or failed before they were anchored.</exception>
    public Task FlushAsync(CancellationToken ct = default) => FlushAsync(merge: false, ct);

    /// <summary>
    /// As <see cref="FlushAsync(CancellationToken)"/>, then merges every written record into the patient index (tests:
    /// the answers before and after a merge).
    /// </summary>
    internal Task MergePatientIndexAsync(CancellationToken ct = default) => FlushAsync(merge: true, ct);

    /// <summary>How many checkpoints the checkpointer thread has run (tests).</summary>
    internal long CheckpointsRun => checkpointer.Rounds;

    /// <summary>Tests: the log's bound in frames (ADR 0023; 16,384 by default), and the bounding passes run so far.</summary>
    internal long CheckpointBoundFrames
    {
        get => checkpointer.Policy.BoundFrames;
        set => checkpointer.Policy = checkpointer.Policy with { BoundFrames = value };
    }

    internal long CheckpointBoundingPasses => checkpointer.BoundingPasses;

    private async Task FlushAsync(bool merge, CancellationToken ct)
    {
        ThrowIfStopped();
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref flushRequests);
        if (Volatile.Read(ref failure) is not null || Volatile.Read(ref disposed) != 0)
        {
            Interlocked.Decrement(ref flushRequests);
            ThrowIfStopped();
        }

        queue.Enqueue(new QueuedItem(default, flushed, merge));
        signal.Set();
        if (Volatile.Read(ref failure) is { } stopped)
        {
            // The loop failed while this was enqueued: it may have emptied the queue before, and will not again.
            flushed.TrySetException(new InvalidOperationException($"the audit trail stopped: {stopped.Message}", stopped));
        }

        await flushed.Task.WaitAsync(ct);
    }

    /// <summary>Writes and anchors what is queued, then closes. A batch the ledger no longer takes is anchored on the next open.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        signal.Set();
        await loopEnded.Task;
        await stopping.CancelAsync();
        checkpointer.Dispose();
        lock (readLock)
        {
            reader.Dispose();
        }

        // The signals and the token source stay undisposed: a Record racing the close may still touch them,
        // and they hold no operating-system handle. The writer, the last connection, checkpoints the log as it closes.
        rows.Dispose();
        writer.Dispose();
    }

    private static readonly TimeSpan RoomPoll = TimeSpan.FromMilliseconds(10);

    private void ThrowIfStopped()
    {
        if (Volatile.Read(ref failure) is { } stopped)
        {
            throw new InvalidOperationException($"the audit trail stopped: {stopped.Message}", stopped);
        }

        if (Volatile.Read(ref disposed) != 0)
        {
            throw new ObjectDisposedException(nameof(AuditTrail), "the audit trail is closed");
        }
    }

    /// <summary>
    /// A record to keep, or a flush request that completes once everything queued before it is anchored (and, with
    /// <paramref name="Merge"/>, merged into the patient index).
    /// </summary>
    private readonly record struct QueuedItem(EncodedRecord Record, TaskCompletionSource? Flushed, bool Merge);
}
