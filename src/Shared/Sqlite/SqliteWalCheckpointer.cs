using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CareLedger.Sqlite;

/// <summary>
/// How a <see cref="SqliteWalCheckpointer"/> paces its checkpoints and bounds the write-ahead log (ADR 0023).
/// </summary>
internal sealed record WalCheckpointPolicy
{
    /// <summary>Units written (the vault: commits; the audit trail: records) from one checkpoint round to the next.</summary>
    public long Every { get; init; } = 1;

    /// <summary>The shortest time from the end of one round to the start of the next: a page rewritten by several
    /// commits in that time is copied once.</summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.Zero;

    /// <summary>PASSIVE passes run straight after one that left frames uncopied while the log is below
    /// <see cref="BoundFrames"/>, so that a writer that pauses between transactions finds the log wholly copied and
    /// starts it again from its beginning.</summary>
    public int CatchUpPasses { get; init; }

    /// <summary>Frames in the log (4 KiB pages) from which a round ends with a bounding pass that no write runs beside,
    /// so that the next write starts the log again: the bound under a writer that never pauses.</summary>
    public long BoundFrames { get; init; } = 65_536;

    /// <summary>
    /// Where the bounding pass (a PASSIVE checkpoint with no write in progress) runs. The writer's own lock, if it has one
    /// that every write transaction holds (the vault): the checkpointer's thread takes it. Null (a single writer thread,
    /// as the audit trail's batch loop): the writer's thread runs it at its next <see cref="SqliteWalCheckpointer.Written"/>,
    /// which it calls between transactions. Either way the writer waits for a copy it would otherwise run itself, never
    /// in SQLite's busy handler (a RESTART checkpoint polls for the write lock, and a writer that holds it back to back
    /// starves it: ADR 0023). Lock order: this lock, then the checkpointer's.
    /// </summary>
    public Lock? WriterLock { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Every, 1, nameof(Every));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinInterval, TimeSpan.Zero, nameof(MinInterval));
        ArgumentOutOfRangeException.ThrowIfNegative(CatchUpPasses, nameof(CatchUpPasses));
        ArgumentOutOfRangeException.ThrowIfLessThan(BoundFrames, 1, nameof(BoundFrames));
    }
}

/// <summary>One checkpoint's answer: busy (another connection held SQLite's checkpoint lock, or the wait for the writer
/// or the readers ran out), the frames in the log and the frames copied into the database file.</summary>
internal readonly record struct WalCheckpointResult(bool Busy, long Log, long Copied)
{
    /// <summary>Nothing left in the log (after a TRUNCATE: the file is empty).</summary>
    public bool Empty => !Busy && Log == 0 && Copied == 0;
}

/// <summary>
/// Copies a SQLite database's write-ahead log into its database file on a thread and connection of its own (ADR 0023,
/// after ADRs 0019 and 0020), so that the writer's commits never do: every writer of the file runs with
/// <c>wal_autocheckpoint = 0</c> and tells this class how much it wrote (<see cref="Written"/>: cheap, and blocks only
/// for a bounding pass that the policy gives the writer's thread).
/// Once <see cref="WalCheckpointPolicy.Every"/> units were written (and <see cref="WalCheckpointPolicy.MinInterval"/>
/// has passed), a round runs PASSIVE checkpoints, which neither wait for nor block the writer or the readers.
/// <para>
/// A checkpoint is not a durability point: a commit is in the log (synced, or recoverable) when it returns; a
/// checkpoint syncs the database file before SQLite reuses the log.
/// </para>
/// <para>
/// The bound: SQLite starts the log again from its beginning only when a write transaction begins with every frame
/// copied, which under a writer that never pauses may not happen. When the log holds
/// <see cref="WalCheckpointPolicy.BoundFrames"/> frames, the round catches up without stopping the writer (up to
/// <see cref="BoundCatchUpPasses"/> passes, each copying what was added during the one before), then runs one pass
/// that no write runs beside (<see cref="WalCheckpointPolicy.WriterLock"/>: under the writer's lock, or on the writer's
/// own thread between two transactions), after which the next write restarts the log.
/// </para>
/// <para>
/// Erasure (<see cref="Truncate"/>): a TRUNCATE checkpoint on the caller's connection, holding the lock every background
/// pass holds, so that it never meets SQLite's checkpoint lock busy from this process (a second concurrent checkpoint
/// gets BUSY at once, which would leave erased page images in the log); its result says whether the log is empty.
/// </para>
/// <para>
/// A failed checkpoint (an I/O error) stops the rounds and is kept in <see cref="Failure"/>: the owner refuses further
/// writes (<see cref="ThrowIfFailed"/>) rather than let the log grow without bound. <see cref="Dispose"/> waits for a
/// checkpoint in progress and closes the connection; call it without the writer lock.
/// </para>
/// Shared by source (src/Shared/Sqlite): compiled into the vault, and used by the audit trail through the vault's
/// internals, as <c>CareLedger.IO</c> is.
/// </summary>
internal sealed class SqliteWalCheckpointer : IDisposable
{
    /// <summary>Passes without stopping the writer before the bounding pass; they stop early once one copies less than
    /// a sixteenth of the bound.</summary>
    public const int BoundCatchUpPasses = 4;

    private readonly SqliteConnection _connection;
    private readonly Lock _checkpointing = new();
    private readonly ManualResetEventSlim _signal = new(false);
    private readonly ManualResetEventSlim _closed = new(false);
    private readonly Thread _thread;
    private WalCheckpointPolicy _policy;
    private long _written;
    private long _checkpointedAt;
    private long _rounds;
    private long _passes;
    private long _boundingPasses;
    private WalCheckpointResult _last;
    private int _closing;
    private int _boundWanted;
    private bool _connectionClosed;
    private Exception? _failure;

    /// <param name="connection">A connection of the checkpointer's own (open, synchronous FULL), disposed with it.</param>
    /// <param name="threadName">Names the thread (profiles, thread dumps).</param>
    /// <param name="policy">Pacing and bound.</param>
    public SqliteWalCheckpointer(SqliteConnection connection, string threadName, WalCheckpointPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        _connection = connection;
        _policy = policy;
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    /// <summary>The policy; tests replace it (the next round reads it).</summary>
    internal WalCheckpointPolicy Policy
    {
        get => Volatile.Read(ref _policy);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            Volatile.Write(ref _policy, value);
        }
    }

    /// <summary>The failure that stopped the checkpoints, if any.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Rounds completed (each one or more passes).</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    /// <summary>Background checkpoints run, of any kind.</summary>
    public long Passes => Interlocked.Read(ref _passes);

    /// <summary>Bounding passes run (under the writer's lock, or on the writer's thread).</summary>
    public long BoundingPasses => Interlocked.Read(ref _boundingPasses);

    /// <summary>The last background checkpoint's answer.</summary>
    public WalCheckpointResult LastResult
    {
        get
        {
            lock (_checkpointing)
            {
                return _last;
            }
        }
    }

    /// <summary>Tests: runs inside each background pass, holding the checkpoint lock, before SQLite's checkpoint.</summary>
    internal Action? DuringCheckpoint { get; set; }

    /// <summary>A bounding pass waits for the writer's next <see cref="Written"/> (no <see cref="WalCheckpointPolicy.WriterLock"/>).</summary>
    internal bool BoundingPending => Volatile.Read(ref _boundWanted) != 0;

    /// <summary>
    /// Called by the writer after a commit, outside any transaction: <paramref name="units"/> more are in the log. Cheap
    /// and never blocks, except when the log is past the bound and the policy has no writer lock: then this thread runs the
    /// bounding pass (a failure is kept in <see cref="Failure"/>, not thrown: the commit before it stands).
    /// </summary>
    public void Written(long units = 1)
    {
        var now = Interlocked.Add(ref _written, units);
        if (Volatile.Read(ref _boundWanted) != 0 && Interlocked.Exchange(ref _boundWanted, 0) != 0)
        {
            try
            {
                Pass(raw.SQLITE_CHECKPOINT_PASSIVE);
                Interlocked.Increment(ref _boundingPasses);
            }
#pragma warning disable CA1031 // kept in Failure: the owner refuses writes (ThrowIfFailed)
            catch (Exception e)
#pragma warning restore CA1031
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
        }

        if (now - Volatile.Read(ref _checkpointedAt) >= Volatile.Read(ref _policy).Every && !_signal.IsSet)
        {
            _signal.Set();
        }
    }

    /// <summary>Throws if a checkpoint failed: the log can no longer be bounded, so the owner must not write.</summary>
    /// <param name="what">Names the database in the message (never a patient's data).</param>
    public void ThrowIfFailed(string what)
    {
        if (Failure is { } failed)
        {
            throw new InvalidOperationException(
                $"checkpointing {what}'s write-ahead log failed ({failed.Message}); writes are refused so that the log does not grow without bound: close and reopen to retry",
                failed);
        }
    }

    /// <summary>
    /// Erasure: a TRUNCATE checkpoint on <paramref name="connection"/> (the caller's, outside any transaction) with no
    /// background checkpoint in progress and none starting. It waits (busy timeout) for the writer and for readers of
    /// older frames; the result says whether the log is now empty.
    /// </summary>
    public WalCheckpointResult Truncate(SqliteConnection connection)
    {
        lock (_checkpointing)
        {
            return Checkpoint(connection, raw.SQLITE_CHECKPOINT_TRUNCATE);
        }
    }

    /// <summary>
    /// One checkpoint of <paramref name="mode"/> (<c>raw.SQLITE_CHECKPOINT_*</c>) on <paramref name="connection"/>;
    /// throws on an error other than busy. Without a checkpointer (a vault's recovery on open) this is the whole of it.
    /// </summary>
    public static WalCheckpointResult Checkpoint(SqliteConnection connection, int mode)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var database = connection.Handle ?? throw new InvalidOperationException("the database is not open");
        var code = raw.sqlite3_wal_checkpoint_v2(database, "main", mode, out var log, out var copied);
        if (code == raw.SQLITE_BUSY)
        {
            return new WalCheckpointResult(true, log, copied);
        }

        SqliteException.ThrowExceptionForRC(code, database);
        return new WalCheckpointResult(false, log, copied);
    }

    /// <summary>Stops the thread (a checkpoint in progress completes) and closes the connection. Call without the writer's lock.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            return;
        }

        _closed.Set();
        _signal.Set();
        _thread.Join();
        lock (_checkpointing)
        {
            // A writer's bounding pass (Written) may still be under way; none starts after this.
            _connectionClosed = true;
            _connection.Dispose();
        }

        // The events stay undisposed: a writer racing the close may still call Written; they hold no handle until waited on
        // with a timeout, and the thread that did so has ended.
    }

    private bool Closing => Volatile.Read(ref _closing) != 0;

    private void Run()
    {
        var last = DateTime.MinValue;
        try
        {
            while (true)
            {
                _signal.Wait();
                _signal.Reset();
                if (Closing)
                {
                    return;
                }

                var policy = Policy;
                if (Volatile.Read(ref _written) - Volatile.Read(ref _checkpointedAt) < policy.Every)
                {
                    continue;
                }

                var pause = last + policy.MinInterval - DateTime.UtcNow;
                if (pause > TimeSpan.Zero && _closed.Wait(pause))
                {
                    return;
                }

                // Everything written up to here is in the log: this round copies it.
                var at = Volatile.Read(ref _written);
                Round(policy);
                last = DateTime.UtcNow;
                Volatile.Write(ref _checkpointedAt, at);
                Interlocked.Increment(ref _rounds);
            }
        }
#pragma warning disable CA1031 // kept in Failure: the owner refuses writes (ThrowIfFailed)
        catch (Exception e)
#pragma warning restore CA1031
        {
            Interlocked.CompareExchange(ref _failure, e, null);
        }
    }

    private void Round(WalCheckpointPolicy policy)
    {
        var result = Pass(raw.SQLITE_CHECKPOINT_PASSIVE);
        // Catching up: each pass copies what the writer committed during the one before. Below the bound, so that the log
        // is wholly copied when the writer next begins (it then starts the log again); at the bound, so that the pass that
        // stops the writer has little left to copy.
        for (var pass = 0; !result.Busy && result.Copied < result.Log && !Closing; pass++)
        {
            var bounding = result.Log >= policy.BoundFrames;
            if (pass >= (bounding ? BoundCatchUpPasses : policy.CatchUpPasses))
            {
                break;
            }

            var copied = result.Copied;
            result = Pass(raw.SQLITE_CHECKPOINT_PASSIVE);
            if (bounding && result.Copied - copied <= policy.BoundFrames / 16)
            {
                break;
            }
        }

        if (result.Log < policy.BoundFrames || Closing)
        {
            return;
        }

        if (policy.WriterLock is { } writerLock)
        {
            // No write in progress and none starting: this pass copies what is left, and the next write restarts the log.
            lock (writerLock)
            {
                Pass(raw.SQLITE_CHECKPOINT_PASSIVE);
            }

            Interlocked.Increment(ref _boundingPasses);
        }
        else
        {
            // The writer's thread runs it between two of its transactions, at its next Written.
            Volatile.Write(ref _boundWanted, 1);
        }
    }

    private WalCheckpointResult Pass(int mode)
    {
        lock (_checkpointing)
        {
            if (_connectionClosed)
            {
                return _last;
            }

            DuringCheckpoint?.Invoke();
            var result = Checkpoint(_connection, mode);
            _last = result;
            Interlocked.Increment(ref _passes);
            return result;
        }
    }
}
