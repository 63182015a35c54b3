using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using CareLedger.Access.Audit.Format;
using CareLedger.Access.Audit.Storage;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Audit;

public sealed partial class AuditTrail
{
    /// <summary>The kind of the ledger <c>Anchor</c> transaction that commits to one batch.</summary>
    public const string AnchorKind = "audit-batch";

    /// <summary>The shortest wait <see cref="ManualResetEventSlim.Wait(TimeSpan)"/> does not round down to none.</summary>
    private static readonly TimeSpan ShortestWait = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// The loop, on its own thread: it blocks in SQLite's fsync and in waiting for the ledger, and must keep running
    /// when request threads block in <see cref="Record"/> on a full queue, so its own waits need no pool thread.
    /// </summary>
    private void Run()
    {
        var records = new List<EncodedRecord>(options.MaxBatch);
        var flushes = new List<TaskCompletionSource>();
        try
        {
            AnchorInterruptedBatches();
            while (WaitForWork())
            {
                WaitForBatch();
                var merge = Take(records, flushes);
                if (records.Count > 0)
                {
                    WriteAndAnchor(records);
                    records.Clear();
                }

                if (merge)
                {
                    MergePatientIndex();
                }

                foreach (var flushed in flushes)
                {
                    flushed.TrySetResult();
                }

                flushes.Clear();
            }
        }
#pragma warning disable CA1031 // any failure stops the trail; Record and FlushAsync report it to callers
        catch (Exception e)
#pragma warning restore CA1031
        {
            Stop(e, flushes);
        }
        finally
        {
            loopEnded.TrySetResult();
        }
    }

    /// <summary>Waits for a first queued item; false once the trail is closing and everything queued is done.</summary>
    private bool WaitForWork()
    {
        var spin = default(SpinWait);
        while (true)
        {
            signal.Reset();
            // Closing is read before the counts: a Record that reserves after this read sees it and backs out.
            var closing = Volatile.Read(ref disposed) != 0;
            if (!queue.IsEmpty)
            {
                return true;
            }

            if (Volatile.Read(ref queuedRecords) > 0 || Volatile.Read(ref flushRequests) > 0)
            {
                // Reserved and about to be enqueued (or backing out): a matter of instructions, unless preempted.
                spin.SpinOnce();
                continue;
            }

            if (closing)
            {
                return false;
            }

            spin = default;
            if (unmergedRecords == 0)
            {
                signal.Wait();
            }
            else if (!signal.Wait(options.PatientIndexIdleMerge))
            {
                // Idle: the records outside the patient index are merged now, so that a quiet node's queries by patient
                // scan no tail.
                MergePatientIndex();
            }
        }
    }

    /// <summary>Merges every written record into the patient index, in a transaction of its own (ADR 0018).</summary>
    private void MergePatientIndex()
    {
        if (unmergedRecords == 0)
        {
            return;
        }

        var statements = rows.Statements;
        statements.Begin();
        try
        {
            AuditPatientIndex.Merge(writer, null, nextBatch * AuditSchema.PlacesPerBatch);
            statements.Commit();
        }
        catch
        {
            statements.RollbackIfOpen();
            throw;
        }

        unmergedRecords = 0;
    }

    /// <summary>Lets a batch fill for the batch interval, unless it is full, a flush waits, or the trail is closing.</summary>
    private void WaitForBatch()
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            signal.Reset();
            if (Volatile.Read(ref queuedRecords) >= options.MaxBatch || Volatile.Read(ref flushRequests) > 0 || Volatile.Read(ref disposed) != 0)
            {
                return;
            }

            // Less than a millisecond left: the batch is taken now, up to a millisecond early (never late: ADR 0004).
            // ManualResetEventSlim.Wait rounds a TimeSpan down to whole milliseconds, so a wait for less than one returned
            // at once and this loop spun on the clock for the batch's last millisecond: 13-16 % of the trail thread's CPU
            // (perf of `bench audit`, docs/benchmarks.md).
            var remaining = options.BatchInterval - Stopwatch.GetElapsedTime(started);
            if (remaining < ShortestWait)
            {
                return;
            }

            signal.Wait(remaining);
        }
    }

    /// <summary>Takes a batch's records and the flush requests among them; true when one of those asks for a merge.</summary>
    private bool Take(List<EncodedRecord> records, List<TaskCompletionSource> flushes)
    {
        var merge = false;
        while (records.Count < options.MaxBatch && queue.TryDequeue(out var item))
        {
            if (item.Flushed is null)
            {
                records.Add(item.Record);
            }
            else
            {
                Interlocked.Decrement(ref flushRequests);
                flushes.Add(item.Flushed);
                merge |= item.Merge;
            }
        }

        if (records.Count > 0)
        {
            Interlocked.Add(ref queuedRecords, -records.Count);
            if (Volatile.Read(ref waitingForRoom) > 0)
            {
                room.Set();
            }
        }

        return merge;
    }

    private void Stop(Exception e, List<TaskCompletionSource> flushes)
    {
        Interlocked.Exchange(ref failure, e);
        stopping.Cancel();
        var stopped = new InvalidOperationException($"the audit trail stopped: {e.Message}", e);
        foreach (var flushed in flushes)
        {
            flushed.TrySetException(stopped);
        }

        // Records still queued were never durable; the door refuses from now on, so none is disclosed unrecorded again.
        while (queue.TryDequeue(out var item))
        {
            item.Flushed?.TrySetException(stopped);
        }
    }

    /// <summary>Anchors, with their stored transactions, the batches a crash left written but unanchored.</summary>
    private void AnchorInterruptedBatches()
    {
        var interrupted = new List<(long Number, byte[] Transaction)>();
        using (var select = writer.CreateCommand())
        {
            select.CommandText = "SELECT number, tx FROM audit_batches WHERE leaf IS NULL ORDER BY number";
            using var found = select.ExecuteReader();
            while (found.Read())
            {
                interrupted.Add((found.GetInt64(0), found.GetFieldValue<byte[]>(1)));
            }
        }

        foreach (var (number, transaction) in interrupted)
        {
            Anchor(number, SignedTransaction.Decode(transaction));
        }
    }

    private void WriteAndAnchor(List<EncodedRecord> records)
    {
        var number = nextBatch;
        var anchor = Write(number, records);
        // Written (or every one a repeat): their bytes are in SQLite, the buffers can serve the next records.
        foreach (var record in records)
        {
            record.Release(buffers);
        }

        if (anchor is null)
        {
            return;
        }

        nextBatch = number + 1;
        if (checkpointer.Failure is { } failed)
        {
            // The log could grow without bound: the trail stops (the door refuses) rather than fill the disk.
            throw new InvalidOperationException($"checkpointing the audit log failed: {failed.Message}", failed);
        }

        options.AfterBatchWritten?.Invoke(number);
        Anchor(number, anchor);
        // After the anchor's own commit, so that the checkpoint runs between this batch and the next (ADR 0020).
        checkpointer.Written(records.Count);
    }

    private void Anchor(long number, SignedTransaction anchor)
    {
        // A synchronous wait needs no pool thread: the ledger completes it from its sequencer thread.
        var result = ledger.SubmitAsync(anchor).AsTask().GetAwaiter().GetResult();
        // The leaf only notes what the ledger already holds durably: if a crash loses this update, the batch is found
        // unmarked on the next open and its stored transaction submitted again, which the ledger answers with the same
        // leaf and no second anchor (test: a batch anchored but not marked before a crash). So this one commit does not
        // wait for its own fsync (synchronous = NORMAL); the next batch's commit, FULL as always, syncs the WAL and it
        // with it. A written batch still never depends on it: the batch's own commit above is FULL.
        rows.Statements.MarkAnchored(number, result.LeafIndex);
    }

    /// <summary>
    /// Writes the batch in one SQLite transaction: the records (a record whose id is already kept, or repeated in the
    /// batch, is kept once: the first), then the batch with its commitments, its root and its signed anchor
    /// transaction, and — once <see cref="AuditTrailOptions.PatientIndexMergeRecords"/> records wait outside the
    /// patient index — their merge into it. Null when every record was a repeat.
    /// </summary>
    private SignedTransaction? Write(long number, List<EncodedRecord> records)
    {
        var statements = rows.Statements;
        statements.Begin();
        try
        {
            var anchor = WriteInTransaction(number, records);
            if (anchor is null)
            {
                statements.RollbackIfOpen();
                return null;
            }

            statements.Commit();
            return anchor;
        }
        catch
        {
            statements.RollbackIfOpen();
            throw;
        }
    }

    /// <summary>The body of <see cref="Write"/>, inside the writer's open transaction; null when every record was a repeat.</summary>
    private SignedTransaction? WriteInTransaction(long number, List<EncodedRecord> records)
    {
        var commitments = rows.Insert(number, records);
        if (commitments.IsEmpty)
        {
            return null;
        }

        var root = AuditBatchTree.Root(commitments);
        var context = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(context, number);
        var node = ledger.Keys.Node;
        var anchor = SignedTransaction.Sign(Transaction.Create(new AnchorPayload(AnchorKind, root, context), node.Id, time), node);
        // The range of the batch's records' times (ADR 0022), over every record taken, repeats included: a bound of the
        // kept ones, which queries by time alone read batch by batch.
        var (minTime, maxTime) = TimeRange(records);
        rows.Statements.InsertBatch(number, commitments.Length / AuditBatchTree.CommitmentLength, commitments, root, anchor.Transaction.Id.ToArray(),
            anchor.Encoded.Span, time.GetUtcNow().ToUnixTimeMilliseconds(), minTime, maxTime);
        InsertBatchAccessors(number, records);

        var unmerged = unmergedRecords + commitments.Length / AuditBatchTree.CommitmentLength;
        if (unmerged >= options.PatientIndexMergeRecords)
        {
            AuditPatientIndex.Merge(writer, null, (number + 1) * AuditSchema.PlacesPerBatch);
            unmerged = 0;
        }

        // Counted as merged once the caller commits; a failed commit stops the trail, which counts again on the next open.
        unmergedRecords = unmerged;
        return anchor;
    }

    /// <summary>
    /// The batch's rows for queries by accessor (ADR 0024): per accessor, the range of its records' times, over every
    /// record taken (repeats included: a bound of the kept ones, as the batch's own range).
    /// </summary>
    private void InsertBatchAccessors(long number, List<EncodedRecord> records)
    {
        accessorRanges.Clear();
        foreach (var record in records)
        {
            var t = record.TimeMs;
            ref var range = ref CollectionsMarshal.GetValueRefOrAddDefault(accessorRanges, record.AccessorSubject, out var found);
            range = found ? (Math.Min(range.Min, t), Math.Max(range.Max, t)) : (t, t);
        }

        foreach (var (accessor, range) in accessorRanges)
        {
            rows.Statements.InsertAccessor(number, accessor, range.Min, range.Max);
        }
    }

    private static (long Min, long Max) TimeRange(List<EncodedRecord> records)
    {
        var min = long.MaxValue;
        var max = long.MinValue;
        foreach (var record in records)
        {
            min = Math.Min(min, record.TimeMs);
            max = Math.Max(max, record.TimeMs);
        }

        return (min, max);
    }

    private long LastBatchNumber()
    {
        using var select = writer.CreateCommand();
        select.CommandText = "SELECT COALESCE(MAX(number), 0) FROM audit_batches";
        return (long)select.ExecuteScalar()!;
    }
}
