using System.Buffers.Binary;
using System.Diagnostics;
using CareLedger.Access.Audit.Format;
using CareLedger.Ledger.Transactions;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Audit;

public sealed partial class AuditTrail
{
    /// <summary>The kind of the ledger <c>Anchor</c> transaction that commits to one batch.</summary>
    public const string AnchorKind = "audit-batch";

    /// <summary>
    /// The loop, on its own thread: it blocks in SQLite's fsync and in waiting for the ledger, and must keep running
    /// when request threads block in <see cref="Record"/> on a full queue, so its own waits need no pool thread.
    /// </summary>
    private void Run()
    {
        var records = new List<AuditRecord>(options.MaxBatch);
        var flushes = new List<TaskCompletionSource>();
        try
        {
            AnchorInterruptedBatches();
            while (WaitForWork())
            {
                WaitForBatch();
                Take(records, flushes);
                if (records.Count > 0)
                {
                    WriteAndAnchor(records);
                    records.Clear();
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
        while (true)
        {
            signal.Reset();
            if (queue.Reader.TryPeek(out _))
            {
                return true;
            }

            if (queue.Reader.Completion.IsCompleted)
            {
                return false;
            }

            signal.Wait();
        }
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

            var remaining = options.BatchInterval - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            signal.Wait(remaining);
        }
    }

    private void Take(List<AuditRecord> records, List<TaskCompletionSource> flushes)
    {
        while (records.Count < options.MaxBatch && queue.Reader.TryRead(out var item))
        {
            if (item.Record is { } record)
            {
                records.Add(record);
            }
            else
            {
                Interlocked.Decrement(ref flushRequests);
                flushes.Add(item.Flushed!);
            }
        }

        if (records.Count > 0)
        {
            Interlocked.Add(ref queuedRecords, -records.Count);
            slots.Release(records.Count);
        }
    }

    private void Stop(Exception e, List<TaskCompletionSource> flushes)
    {
        Volatile.Write(ref failure, e);
        queue.Writer.TryComplete(e);
        stopping.Cancel();
        var stopped = new InvalidOperationException($"the audit trail stopped: {e.Message}", e);
        foreach (var flushed in flushes)
        {
            flushed.TrySetException(stopped);
        }

        // Records still queued were never durable; the door refuses from now on, so none is disclosed unrecorded again.
        while (queue.Reader.TryRead(out var item))
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
            using var rows = select.ExecuteReader();
            while (rows.Read())
            {
                interrupted.Add((rows.GetInt64(0), rows.GetFieldValue<byte[]>(1)));
            }
        }

        foreach (var (number, transaction) in interrupted)
        {
            Anchor(number, SignedTransaction.Decode(transaction));
        }
    }

    private void WriteAndAnchor(List<AuditRecord> records)
    {
        var number = nextBatch;
        var anchor = Write(number, records);
        if (anchor is null)
        {
            return;
        }

        nextBatch = number + 1;
        options.AfterBatchWritten?.Invoke(number);
        Anchor(number, anchor);
    }

    private void Anchor(long number, SignedTransaction anchor)
    {
        // A synchronous wait needs no pool thread: the ledger completes it from its sequencer thread.
        var result = ledger.SubmitAsync(anchor).AsTask().GetAwaiter().GetResult();
        using var update = writer.CreateCommand();
        update.CommandText = "UPDATE audit_batches SET leaf = $leaf WHERE number = $number";
        update.Parameters.AddWithValue("$leaf", result.LeafIndex);
        update.Parameters.AddWithValue("$number", number);
        update.ExecuteNonQuery();
    }

    /// <summary>
    /// Writes the batch in one SQLite transaction: the records (a record whose id is already kept, or repeated in the
    /// batch, is kept once: the first), then the batch with its root and its signed anchor transaction. Null when
    /// every record was a repeat.
    /// </summary>
    private SignedTransaction? Write(long number, List<AuditRecord> records)
    {
        using var transaction = writer.BeginTransaction();
        var commitments = InsertRecords(number, records, transaction);
        if (commitments.Count == 0)
        {
            return null;
        }

        var root = AuditBatchTree.Root(commitments);
        var context = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(context, number);
        var node = ledger.Keys.Node;
        var anchor = SignedTransaction.Sign(Transaction.Create(new AnchorPayload(AnchorKind, root, context), node.Id, time), node);
        using (var insertBatch = writer.CreateCommand())
        {
            insertBatch.Transaction = transaction;
            insertBatch.CommandText = """
                INSERT INTO audit_batches (number, size, root, tx_id, tx, leaf, written_ms)
                VALUES ($number, $size, $root, $txId, $tx, NULL, $written)
                """;
            insertBatch.Parameters.AddWithValue("$number", number);
            insertBatch.Parameters.AddWithValue("$size", commitments.Count);
            insertBatch.Parameters.AddWithValue("$root", root);
            insertBatch.Parameters.AddWithValue("$txId", anchor.Transaction.Id.ToArray());
            insertBatch.Parameters.AddWithValue("$tx", anchor.Encoded.ToArray());
            insertBatch.Parameters.AddWithValue("$written", time.GetUtcNow().ToUnixTimeMilliseconds());
            insertBatch.ExecuteNonQuery();
        }

        transaction.Commit();
        return anchor;
    }

    /// <summary>Inserts the records that are new, numbered in batch order; returns their commitments in that order.</summary>
    private List<byte[]> InsertRecords(long number, List<AuditRecord> records, SqliteTransaction transaction)
    {
        var commitments = new List<byte[]>(records.Count);
        using var insert = writer.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO audit_records (id, time_ms, patient, accessor, outcome, break_glass, action, record, salt, commitment, batch, idx)
            VALUES ($id, $time, $patient, $accessor, $outcome, $breakGlass, $action, $record, $salt, $commitment, $batch, $idx)
            ON CONFLICT (id) DO NOTHING
            """;
        var id = insert.Parameters.Add("$id", SqliteType.Blob);
        var recordTime = insert.Parameters.Add("$time", SqliteType.Integer);
        var patient = insert.Parameters.Add("$patient", SqliteType.Blob);
        var accessor = insert.Parameters.Add("$accessor", SqliteType.Text);
        var outcome = insert.Parameters.Add("$outcome", SqliteType.Text);
        var breakGlass = insert.Parameters.Add("$breakGlass", SqliteType.Integer);
        var action = insert.Parameters.Add("$action", SqliteType.Text);
        var bytes = insert.Parameters.Add("$record", SqliteType.Blob);
        var salt = insert.Parameters.Add("$salt", SqliteType.Blob);
        var commitment = insert.Parameters.Add("$commitment", SqliteType.Blob);
        insert.Parameters.AddWithValue("$batch", number);
        var index = insert.Parameters.Add("$idx", SqliteType.Integer);
        foreach (var record in records)
        {
            var encoded = AuditRecordCodec.Encode(record);
            var recordSalt = AuditBatchTree.NewSalt();
            var recordCommitment = AuditBatchTree.Commitment(recordSalt, encoded);
            id.Value = record.Id.ToByteArray(bigEndian: true);
            recordTime.Value = record.Time.ToUnixTimeMilliseconds();
            patient.Value = (object?)record.Patient ?? DBNull.Value;
            accessor.Value = record.AccessorSubject;
            outcome.Value = AuditWireNames.ToName(record.Outcome);
            breakGlass.Value = record.BreakGlass ? 1 : 0;
            action.Value = AuditWireNames.ToName(record.Action);
            bytes.Value = encoded;
            salt.Value = recordSalt;
            commitment.Value = recordCommitment;
            index.Value = commitments.Count;
            if (insert.ExecuteNonQuery() == 1)
            {
                commitments.Add(recordCommitment);
            }
        }

        return commitments;
    }

    private long LastBatchNumber()
    {
        using var select = writer.CreateCommand();
        select.CommandText = "SELECT COALESCE(MAX(number), 0) FROM audit_batches";
        return (long)select.ExecuteScalar()!;
    }
}
