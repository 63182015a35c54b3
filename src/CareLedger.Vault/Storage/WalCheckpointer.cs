using Microsoft.Data.Sqlite;

namespace CareLedger.Vault.Storage;

/// <summary>
/// Copies the SQLite vault's WAL into the database file on a thread of its own, so that the writer's commits no longer do
/// it (ADR 0019): the writer runs with <c>wal_autocheckpoint = 0</c>, and after a write commits the vault wakes this thread,
/// which runs a PASSIVE checkpoint on its own connection at most every <see cref="MinInterval"/> (it neither waits for nor
/// blocks the writer or the readers). A checkpoint is not a durability point: every commit is durable (or recoverable,
/// ADR 0016) in the WAL when it returns, as before.
/// <para>
/// SQLite starts the WAL again from its beginning only when a write transaction begins with every frame copied. Under a
/// writer that never pauses that may not happen, so when the WAL holds at least <see cref="GatedFrames"/> frames, the
/// checkpointer catches up without the lock (a few passes, each copying what the writer added during the one before) and
/// then runs one pass under the vault's writer lock (no write in progress, none starting): it copies what is left and the
/// next write restarts the WAL, which stays bounded.
/// </para>
/// <para>
/// Erasure's TRUNCATE checkpoint (<see cref="Exclusive"/>) waits for a background checkpoint in progress (SQLite answers
/// a second concurrent checkpoint with BUSY at once) and none starts meanwhile. Lock order: the writer lock, then this one.
/// </para>
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>The shortest time from one background checkpoint to the next: a page written by several commits in that
    /// time is copied once (about what SQLite's default of 1,000 frames was at the import's rate).</summary>
    internal TimeSpan MinInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Frames in the WAL (65,536 × 4 KiB = 256 MiB) from which a checkpoint ends with a pass under the writer lock
    /// (16,384 put the writer lock in the way too often: docs/benchmarks.md, import tenth round).</summary>
    internal long GatedFrames { get; set; } = 65_536;

    private readonly SqliteConnection _connection;
    private readonly Lock _writeGate;
    private readonly Lock _checkpointing = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private int _pending;

    public WalCheckpointer(SqliteConnection connection, Lock writeGate)
    {
        _connection = connection;
        _writeGate = writeGate;
        _thread = new Thread(Run) { IsBackground = true, Name = "vault WAL checkpointer" };
        _thread.Start();
    }

    private long _checkpoints;
    private long _gatedCheckpoints;
    private (long Log, long Copied) _lastResult;

    /// <summary>Background checkpoints run (tests: how many, and how many under the writer lock).</summary>
    internal long Checkpoints => Interlocked.Read(ref _checkpoints);

    internal long GatedCheckpoints => Interlocked.Read(ref _gatedCheckpoints);

    /// <summary>Frames in the WAL, and frames copied, after the last background checkpoint.</summary>
    internal (long Log, long Copied) LastResult => Exclusive(() => _lastResult);

    /// <summary>Tests: runs inside each background checkpoint, holding the checkpoint lock, before SQLite's checkpoint.</summary>
    internal Action? DuringCheckpoint { get; set; }

    /// <summary>A write committed: a checkpoint will follow (cheap; never blocks).</summary>
    public void Committed()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (Exception ex) when (ex is SemaphoreFullException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> on the caller's connection with no background checkpoint in progress.</summary>
    public T Exclusive<T>(Func<T> work)
    {
        lock (_checkpointing)
        {
            return work();
        }
    }

    private void Run()
    {
        var last = DateTime.MinValue;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                _wake.Wait(_stop.Token);
                var wait = last + MinInterval - DateTime.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    _stop.Token.WaitHandle.WaitOne(wait);
                }

                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                Volatile.Write(ref _pending, 0);
                var result = Checkpoint();
                // Catching up without the lock first: each pass copies what the writer added during the one before, so that
                // the pass under the lock has little left to copy.
                for (var pass = 0; pass < 4 && result.Log >= GatedFrames && !_stop.IsCancellationRequested; pass++)
                {
                    var copied = result.Copied;
                    result = Checkpoint();
                    if (result.Copied - copied <= GatedFrames / 16)
                    {
                        break;
                    }
                }

                if (result.Log >= GatedFrames && !_stop.IsCancellationRequested)
                {
                    lock (_writeGate)
                    {
                        result = Checkpoint();
                    }

                    Interlocked.Increment(ref _gatedCheckpoints);
                }

                last = DateTime.UtcNow;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception)
            {
                // A checkpoint that fails copies nothing and loses nothing (the WAL keeps every commit); the next one retries.
                last = DateTime.UtcNow;
            }
        }
    }

    private (long Log, long Copied) Checkpoint()
    {
        lock (_checkpointing)
        {
            if (_stop.IsCancellationRequested)
            {
                return _lastResult;
            }

            DuringCheckpoint?.Invoke();
            using var command = _connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            using var reader = command.ExecuteReader();
            var result = reader.Read() ? (reader.GetInt64(1), reader.GetInt64(2)) : (0L, 0L);
            _lastResult = result;
            Interlocked.Increment(ref _checkpoints);
            return result;
        }
    }

    /// <summary>Stops the thread (waiting for a checkpoint in progress) and closes its connection. Call without the writer lock.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        _thread.Join();
        _connection.Dispose();
        _wake.Dispose();
        _stop.Dispose();
    }
}
