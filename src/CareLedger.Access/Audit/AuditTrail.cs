using System.Threading.Channels;
using CareLedger.Access.Audit.Format;
using CareLedger.Access.Audit.Receipts;
using CareLedger.Access.Audit.Storage;
using CareLedger.Ledger.Engine;
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
    private readonly Channel<QueuedItem> queue = Channel.CreateUnbounded<QueuedItem>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Free places in the queue: a full queue makes <see cref="Record"/> wait (backpressure), never drop.</summary>
    private readonly SemaphoreSlim slots;

    /// <summary>Wakes the loop: a first record, a full batch, a flush, closing.</summary>
    private readonly ManualResetEventSlim signal = new(false);

    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource loopEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int queuedRecords;
    private int flushRequests;
    private long nextBatch;
    private Exception? failure;
    private int disposed;

    private AuditTrail(LedgerEngine ledger, AuditTrailOptions options, TimeProvider time, SqliteConnection writer, AuditBatchRows rows, SqliteConnection reader)
    {
        this.ledger = ledger;
        this.options = options;
        this.time = time;
        this.writer = writer;
        this.rows = rows;
        this.reader = reader;
        slots = new SemaphoreSlim(options.QueueCapacity, options.QueueCapacity);
        nextBatch = LastBatchNumber() + 1;
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
        try
        {
            writer = AuditDatabase.OpenWriter(fullPath);
            AuditSchema.Create(writer);
            rows = new AuditBatchRows(writer, options.MaxBatch);
            reader = AuditDatabase.OpenReader(fullPath);
            return new AuditTrail(ledger, options, time ?? TimeProvider.System, writer, rows, reader);
        }
        catch
        {
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
        if (AuditRecordCodec.Problem(record) is { } problem)
        {
            throw new ArgumentException($"audit record {record.Id}: {problem}", nameof(record));
        }

        ThrowIfStopped();
        if (!slots.Wait(0))
        {
            try
            {
                slots.Wait(stopping.Token);
            }
            catch (OperationCanceledException)
            {
                ThrowIfStopped();
                throw;
            }
        }

        if (!queue.Writer.TryWrite(new QueuedItem(record, null)))
        {
            slots.Release();
            ThrowIfStopped();
            throw new ObjectDisposedException(nameof(AuditTrail), "the audit trail is closed");
        }

        var queued = Interlocked.Increment(ref queuedRecords);
        if (queued == 1 || queued == options.MaxBatch)
        {
            signal.Set();
        }
    }

    /// <summary>Completes once every record recorded before the call is written and anchored on the ledger.</summary>
    /// <exception cref="InvalidOperationException">The trail is closed or failed before they were anchored.</exception>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        ThrowIfStopped();
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!queue.Writer.TryWrite(new QueuedItem(null, flushed)))
        {
            ThrowIfStopped();
            throw new ObjectDisposedException(nameof(AuditTrail), "the audit trail is closed");
        }

        Interlocked.Increment(ref flushRequests);
        signal.Set();
        await flushed.Task.WaitAsync(ct);
    }

    /// <summary>Writes and anchors what is queued, then closes. A batch the ledger no longer takes is anchored on the next open.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        queue.Writer.TryComplete();
        signal.Set();
        await loopEnded.Task;
        await stopping.CancelAsync();
        lock (readLock)
        {
            reader.Dispose();
        }

        // The signal, the slots and the token source stay undisposed: a Record racing the close may still touch them,
        // and they hold no operating-system handle.
        writer.Dispose();
    }

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

    /// <summary>A record to keep, or a flush request that completes once everything queued before it is anchored.</summary>
    private readonly record struct QueuedItem(AuditRecord? Record, TaskCompletionSource? Flushed);
}
