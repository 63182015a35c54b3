using System.Text;
using CareLedger.Sqlite;
using CareLedger.Vault.Tests.Support;
using static CareLedger.Vault.Tests.Support.Poll;
using Microsoft.Data.Sqlite;

namespace CareLedger.Vault.Tests;

/// <summary>
/// The shared WAL checkpointer (src/Shared/Sqlite, ADR 0023) on a plain SQLite database with a writer of its own, in
/// both bounding modes: a pass under the writer's lock (the vault's) and on the writer's own thread (the audit trail's). Its
/// users' tests (VaultWalCheckpointerTests, Access's AuditCheckpointTests, the shred and erasure tests) assert the same
/// properties through the vault and the audit trail.
/// </summary>
public sealed class SqliteWalCheckpointerTests : IDisposable
{

    private readonly string _directory = Directory.CreateTempSubdirectory("careledger-walcheckpointer-").FullName;
    private readonly Lock _writerLock = new();
    private readonly SqliteConnection _writer;
    private SqliteWalCheckpointer? _current;

    public SqliteWalCheckpointerTests()
    {
        _writer = Open(Path);
        Execute(_writer, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;");
        Execute(_writer, "CREATE TABLE rows (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    }

    private string Path => System.IO.Path.Combine(_directory, "test.db");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_round_runs_once_the_policy_units_are_written_and_copies_the_whole_log(bool writerLock)
    {
        using var checkpointer = Start(writerLock, policy => policy with { Every = 100 });
        var fileBefore = new FileInfo(Path).Length;

        // 99 units: below the policy's count, no round; the writer does not copy its own log either (autocheckpoint 0).
        Write(99, 3_000);
        Assert.Equal(0, checkpointer.Passes);
        Assert.True(WalFrames() > 99, $"the WAL holds {WalFrames()} frames");
        Assert.Equal(fileBefore, new FileInfo(Path).Length);

        Write(1, 3_000);
        WaitFor(() => checkpointer.Rounds >= 1);
        var last = checkpointer.LastResult;
        Assert.False(last.Busy);
        Assert.True(last.Log >= 100 && last.Copied == last.Log, $"log {last.Log}, copied {last.Copied}");
        Assert.True(new FileInfo(Path).Length > fileBefore + 100 * 3_000);
        Assert.Equal(0, checkpointer.BoundingPasses);
        Assert.Null(checkpointer.Failure);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_log_past_the_bound_gets_a_bounding_pass_and_the_next_write_restarts_it(bool writerLock)
    {
        using var release = new ManualResetEventSlim(false);
        using var checkpointer = Start(writerLock, policy => policy with { BoundFrames = 50 });
        checkpointer.DuringCheckpoint = () => release.Wait();
        // The checkpointer is held at its first pass while the writer goes on: the log passes the bound.
        Write(100, 3_000);
        var frames = WalFrames();
        Assert.True(frames > 100, $"the WAL holds {frames} frames");
        checkpointer.DuringCheckpoint = null;
        release.Set();
        if (writerLock)
        {
            WaitFor(() => checkpointer.BoundingPasses >= 1);
        }
        else
        {
            // Without a writer lock the pass waits for the writer's thread: its next Written, between two transactions.
            WaitFor(() => checkpointer.BoundingPending);
            Assert.Equal(0, checkpointer.BoundingPasses);
            checkpointer.Written(0);
            Assert.Equal(1, checkpointer.BoundingPasses);
            Assert.False(checkpointer.BoundingPending);
        }

        WaitFor(() => checkpointer.LastResult is { Busy: false } r && r.Copied == r.Log);

        // Everything is copied and no write was in progress: the next write starts the log again from its beginning.
        Write(1, 3_000);
        WaitFor(() => checkpointer.LastResult.Log is > 0 and < 50);
        Assert.Equal(frames, WalFrames());
        Assert.Equal(101, Count());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_log_stays_bounded_under_a_writer_that_never_pauses(bool writerLock)
    {
        // Commits back to back, each synced (FULL, as the vault's and the audit trail's writers are): the bounding pass runs
        // under the writer's lock (the vault) or on the writer's thread between two commits (the audit trail's batch loop).
        // Measured (quiet-ish, 2026-12-06, 4,000 commits): 1,149–2,096 frames under the lock, 111–240 on the writer's
        // thread. A RESTART checkpoint in its place (ADR 0020's) reached 5,810 and 6,075 of ~6,000 frames in two runs of
        // three: it polls for SQLite's write lock, which such a writer holds almost all the time (ADR 0023).
        var highest = WriteBounded(writerLock, bound: 64, commits: 6_000);
        Assert.True(highest < 6_000, $"the WAL reached {highest} frames of about 18,000 written (bound 64)");
    }

    /// <summary>Writes <paramref name="commits"/> rows of 3,000 bytes, one commit each (a new page, its parent and the
    /// table's root: about three frames), synced; returns the WAL's high-water mark in frames (the file only grows to it:
    /// it is reused from its beginning after a restart, so without restarts it would hold every frame).</summary>
    private long WriteBounded(bool writerLock, int bound, int commits)
    {
        Execute(_writer, "PRAGMA synchronous = FULL;");
        using var checkpointer = Start(writerLock, policy => policy with { BoundFrames = bound });
        long highest = 0;
        for (var i = 1; i <= commits; i++)
        {
            Write(1, 3_000);
            if (i % 50 == 0)
            {
                highest = Math.Max(highest, WalFrames());
            }
        }

        highest = Math.Max(highest, WalFrames());
        Assert.Null(checkpointer.Failure);
        Assert.Equal(commits, Count());
        Assert.True(checkpointer.BoundingPasses > 0, "no bounding pass ran");
        return highest;
    }

    [Fact]
    public void Truncate_beside_back_to_back_background_checkpoints_always_empties_the_log()
    {
        // A TRUNCATE that ran beside a background checkpoint would get BUSY at once and leave old page images in the log.
        using var checkpointer = Start(writerLock: true, policy => policy with { Every = 1 });
        using (new BackToBackCheckpoints(checkpointer))
        {
            for (var i = 0; i < 30; i++)
            {
                var secret = $"erase-me-{i:D2}-{Guid.NewGuid():N}";
                Write(20, 2_000);
                Execute(_writer, $"INSERT INTO rows (body) VALUES (CAST('{secret}' AS BLOB))");
                Assert.True(Contains(Path + "-wal", secret), "the secret is in the log before it is erased, which shows the scan works");
                Execute(_writer, $"DELETE FROM rows WHERE body = CAST('{secret}' AS BLOB)");

                var result = checkpointer.Truncate(_writer);

                Assert.True(result.Empty, $"round {i}: {result}");
                Assert.Equal(0, new FileInfo(Path + "-wal").Length);
                Assert.False(Contains(Path, secret), $"round {i}: the erased row is still in the database file");
            }
        }

        Assert.True(checkpointer.Passes > 0);
        Assert.Null(checkpointer.Failure);
    }

    [Fact]
    public void A_failed_checkpoint_stops_the_rounds_and_is_reported_to_the_writer()
    {
        // A real SQLite error: a connection opened read-only cannot write the database file (SQLITE_IOERR).
        var readOnly = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        readOnly.Open();
        Execute(readOnly, "SELECT count(*) FROM rows");
        using var checkpointer = new SqliteWalCheckpointer(readOnly, "test checkpointer", new WalCheckpointPolicy { Every = 1 });
        Write(5, 100);
        checkpointer.Written(5);
        WaitFor(() => checkpointer.Failure is not null);

        var failure = Assert.IsType<SqliteException>(checkpointer.Failure);
        Assert.NotEqual(SQLitePCL.raw.SQLITE_BUSY, failure.SqliteErrorCode);
        var refused = Assert.Throws<InvalidOperationException>(() => checkpointer.ThrowIfFailed("test database"));
        Assert.Contains("test database", refused.Message, StringComparison.Ordinal);
        Assert.Same(failure, refused.InnerException);
        Assert.Equal(0, checkpointer.Rounds);
        // Written after the failure is still cheap and harmless: nothing runs any more.
        checkpointer.Written(1_000);
        Assert.Equal(0, checkpointer.Rounds);
    }

    [Fact]
    public void Close_waits_for_a_checkpoint_in_progress_and_every_write_is_there_after_a_reopen()
    {
        using var entered = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        var checkpointer = Start(writerLock: true, policy => policy);
        checkpointer.DuringCheckpoint = () =>
        {
            entered.Set();
            release.Wait();
        };
        Write(200, 2_000);
        Assert.True(entered.Wait(Deadline), "no checkpoint started");
        using var closed = new ManualResetEventSlim(false);
        var closing = new Thread(() =>
        {
            checkpointer.Dispose();
            closed.Set();
        });
        closing.Start();
        Assert.False(closed.IsSet, "the close did not wait for the checkpoint in progress");
        release.Set();
        Assert.True(closed.Wait(Deadline), "the close did not finish");
        closing.Join();
        Assert.Equal(1, checkpointer.Passes);
        checkpointer.Written(10);
        checkpointer.Dispose();

        _writer.Dispose();
        using var reopened = Open(Path);
        using var count = reopened.CreateCommand();
        count.CommandText = "SELECT count(*) FROM rows";
        Assert.Equal(200L, count.ExecuteScalar());
    }

    [Fact]
    public void A_policy_that_cannot_run_is_refused()
    {
        using var connection = Open(Path);
        Assert.Equal("Every", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new SqliteWalCheckpointer(connection, "test", new WalCheckpointPolicy { Every = 0 })).ParamName);
        Assert.Equal("BoundFrames", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new SqliteWalCheckpointer(connection, "test", new WalCheckpointPolicy { BoundFrames = 0 })).ParamName);
    }

    public void Dispose()
    {
        _writer.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A checkpointer with the vault's bounding (writer lock) or the audit trail's (the writer's thread, catching up
    /// three times), altered by <paramref name="change"/>.</summary>
    private SqliteWalCheckpointer Start(bool writerLock, Func<WalCheckpointPolicy, WalCheckpointPolicy> change)
    {
        var connection = Open(Path);
        Execute(connection, "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0;");
        var policy = writerLock
            ? new WalCheckpointPolicy { Every = 1, WriterLock = _writerLock }
            : new WalCheckpointPolicy { Every = 1, CatchUpPasses = 3 };
        _current = new SqliteWalCheckpointer(connection, "test checkpointer", change(policy));
        return _current;
    }

    /// <summary><paramref name="commits"/> commits of one row of <paramref name="bytes"/> bytes, each under the writer's
    /// lock, each told to the checkpointer as one unit.</summary>
    private void Write(int commits, int bytes)
    {
        for (var i = 0; i < commits; i++)
        {
            lock (_writerLock)
            {
                using var insert = _writer.CreateCommand();
                insert.CommandText = "INSERT INTO rows (body) VALUES (randomblob($bytes))";
                insert.Parameters.AddWithValue("$bytes", bytes);
                insert.ExecuteNonQuery();
            }

            _current?.Written();
        }
    }

    private long Count()
    {
        using var count = _writer.CreateCommand();
        count.CommandText = "SELECT count(*) FROM rows";
        return (long)count.ExecuteScalar()!;
    }

    /// <summary>Frames the WAL file has room for (its size past the 32-byte header, 24 bytes of header per 4 KiB page).</summary>
    private long WalFrames() => (new FileInfo(Path + "-wal").Length - 32) / (24 + 4096);

    private static bool Contains(string path, string text)
    {
        var bytes = File.ReadAllBytes(path);
        return bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 10,
        }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout = 10000;");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
