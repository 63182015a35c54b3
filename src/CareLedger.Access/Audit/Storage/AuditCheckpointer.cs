using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CareLedger.Access.Audit.Storage;

/// <summary>
/// Checkpoints <c>audit.db</c>'s write-ahead log on a thread and connection of its own (ADR 0020), so that the batch
/// loop's commits no longer copy the log into the database file and fsync it: the writer runs with
/// <c>wal_autocheckpoint = 0</c>, and this thread runs a PASSIVE checkpoint once <see cref="AuditTrailOptions.CheckpointRecords"/>
/// records have been written since the last one. A PASSIVE checkpoint never blocks the writer; when the writer's next
/// transaction finds every frame copied it starts the log again from its beginning, as after SQLite's own
/// checkpoints. Should the log still reach <see cref="RestartFrames"/> frames (checkpoints that never caught up with
/// the writer), a RESTART checkpoint, which waits for the writer's current transaction and holds the next one back
/// while it copies, bounds it. Durability is unchanged: a record is acknowledged once its batch's commit has synced the
/// log; a checkpoint syncs the database file before the log is reused.
/// </summary>
internal sealed class AuditCheckpointer : IDisposable
{
    /// <summary>The log's size (frames, of 4 KiB pages: 64 MiB) at which a checkpoint waits for the writer.</summary>
    public const int RestartFrames = 16_384;

    /// <summary>PASSIVE checkpoints run straight after one that found frames committed during its copy.</summary>
    private const int CatchUpCheckpoints = 3;

    private readonly SqliteConnection connection;
    private readonly Lock checkpoints;
    private readonly int everyRecords;
    private readonly ManualResetEventSlim signal = new(false);
    private readonly Thread thread;
    private long written;
    private long checkpointedAt;
    private long checkpointsRun;
    private int closing;
    private Exception? failure;

    /// <param name="connection">A connection of the checkpointer's own (synchronous FULL), disposed with it.</param>
    /// <param name="checkpoints">Held while a checkpoint runs; erasure takes it for its TRUNCATE checkpoint.</param>
    /// <param name="everyRecords">Records written between two checkpoints.</param>
    public AuditCheckpointer(SqliteConnection connection, Lock checkpoints, int everyRecords)
    {
        this.connection = connection;
        this.checkpoints = checkpoints;
        this.everyRecords = everyRecords;
        thread = new Thread(Run) { IsBackground = true, Name = "audit-checkpoint" };
        thread.Start();
    }

    /// <summary>The failure that stopped the checkpoints, if any (the trail then stops: the log would grow without bound).</summary>
    public Exception? Failure => Volatile.Read(ref failure);

    /// <summary>How many checkpoints ran (tests).</summary>
    public long Checkpoints => Interlocked.Read(ref checkpointsRun);

    /// <summary>Called by the batch loop after a commit: <paramref name="records"/> more records are in the log.</summary>
    public void Written(int records)
    {
        var now = Interlocked.Add(ref written, records);
        if (now - Volatile.Read(ref checkpointedAt) >= everyRecords)
        {
            signal.Set();
        }
    }

    /// <summary>Stops the thread (a checkpoint under way completes) and closes the connection.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref closing, 1) == 1)
        {
            return;
        }

        signal.Set();
        thread.Join();
        connection.Dispose();
    }

    /// <summary>
    /// Runs one checkpoint of the given mode, holding <paramref name="checkpoints"/>; returns the log's size and the
    /// frames copied, or busy when another connection held SQLite's checkpoint lock.
    /// </summary>
    public static (bool Busy, int LogFrames, int CopiedFrames) Checkpoint(SqliteConnection connection, Lock checkpoints, int mode)
    {
        var database = connection.Handle ?? throw new InvalidOperationException("the audit database is not open");
        lock (checkpoints)
        {
            var result = raw.sqlite3_wal_checkpoint_v2(database, "main", mode, out var log, out var copied);
            if (result == raw.SQLITE_BUSY)
            {
                return (true, log, copied);
            }

            SqliteException.ThrowExceptionForRC(result, database);
            return (false, log, copied);
        }
    }

    private void Run()
    {
        try
        {
            while (true)
            {
                signal.Wait();
                signal.Reset();
                if (Volatile.Read(ref closing) != 0)
                {
                    return;
                }

                var at = Volatile.Read(ref written);
                if (at - Volatile.Read(ref checkpointedAt) < everyRecords)
                {
                    continue;
                }

                var (busy, log, copied) = Checkpoint(connection, checkpoints, raw.SQLITE_CHECKPOINT_PASSIVE);
                // A batch committed while this one copied: its few frames are copied at once, so that the log is wholly
                // copied before the next batch begins, which then starts the log again instead of appending to it.
                for (var again = 0; !busy && copied < log && again < CatchUpCheckpoints; again++)
                {
                    (busy, log, copied) = Checkpoint(connection, checkpoints, raw.SQLITE_CHECKPOINT_PASSIVE);
                }

                if (!busy && copied < log && log >= RestartFrames)
                {
                    Checkpoint(connection, checkpoints, raw.SQLITE_CHECKPOINT_RESTART);
                }

                Interlocked.Increment(ref checkpointsRun);
                Volatile.Write(ref checkpointedAt, at);
            }
        }
#pragma warning disable CA1031 // reported to the trail, which stops
        catch (Exception e)
#pragma warning restore CA1031
        {
            Volatile.Write(ref failure, e);
        }
    }
}
