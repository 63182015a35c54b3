using System.Data.Common;
using CareLedger.Sqlite;
using Microsoft.Data.Sqlite;

namespace CareLedger.Vault.Storage;

/// <summary>
/// The vault in a SQLite file (DATA/vault.db), the embedded default. The file is created with mode 0600 before SQLite
/// opens it, because SQLite gives its -wal and -shm files the database file's mode. WAL with synchronous=FULL: the
/// vault cannot be rebuilt from the ledger, so a committed write must survive power loss. Erased pages are zeroed
/// (secure_delete) and the WAL is truncated after a shred.
/// </summary>
internal sealed class SqliteVaultDatabase : VaultDatabase
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The writer's page cache, in KiB.</summary>
    private const int WriterCacheKiB = 32 * 1024;

    private readonly string _fullPath;
    private readonly TimeSpan _busyTimeout;
    private SqliteWalCheckpointer? _checkpointer;

    public SqliteVaultDatabase(string databasePath, TimeSpan busyTimeout)
    {
        _fullPath = PrepareFile(databasePath);
        _busyTimeout = busyTimeout;
    }

    public override string Location => _fullPath;

    public override bool PreparesCommands => true;

    public override DbConnection OpenWriter()
    {
        var writer = OpenWriter(_fullPath, _busyTimeout);
        try
        {
            VaultSchema.Ensure(writer);
            return writer;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    public override DbConnection OpenReader() => OpenReader(_fullPath, _busyTimeout);

    /// <summary>Refused once the WAL checkpointer failed: the WAL would grow without bound (ADR 0023).</summary>
    public override DbTransaction BeginWrite(DbConnection connection)
    {
        _checkpointer?.ThrowIfFailed($"vault '{_fullPath}'");
        return ((SqliteConnection)connection).BeginTransaction(deferred: false);
    }

    /// <summary>
    /// WAL with synchronous=NORMAL: the commit is in the WAL (whole or not at all after a crash) but not fsynced until
    /// the next FULL commit or checkpoint. SQLite refuses to change the level inside a transaction, hence outside.
    /// </summary>
    public override void SetDurableCommits(DbConnection writer, bool durable) =>
        Execute((SqliteConnection)writer, durable ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;");

    /// <summary>FULL (2) or EXTRA (3).</summary>
    public override bool CommitsDurably(DbConnection writer)
    {
        using var command = writer.CreateCommand();
        command.CommandText = "PRAGMA synchronous";
        return command.ExecuteScalar() is long level && level >= 2;
    }

    public override DbTransaction BeginSnapshot(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction(deferred: true);

    /// <summary>Erased pages are zeroed (secure_delete) in new WAL frames; only a TRUNCATE checkpoint removes the older
    /// frames that still hold them. It waits (busy timeout) for readers on an older snapshot and for a background checkpoint
    /// in progress (ADR 0023); true if the WAL is then empty.</summary>
    public override bool ForgetDeletedRows(DbConnection writer)
    {
        var connection = (SqliteConnection)writer;
        var result = _checkpointer is { } checkpointer
            ? checkpointer.Truncate(connection)
            : SqliteWalCheckpointer.Checkpoint(connection, SQLitePCL.raw.SQLITE_CHECKPOINT_TRUNCATE);
        return result.Empty;
    }

    /// <summary>A crash after a shred but before its checkpoint leaves erased pages in the WAL: clear them now.</summary>
    public override void Recover(DbConnection writer) => _ = ForgetDeletedRows(writer);

    /// <summary>The WAL checkpointer's thread and connection (ADR 0019, 0023); the writer no longer checkpoints in its commits:
    /// a round at most every 100 ms after a commit, no catching up below the bound, and at 65,536 frames (256 MiB) a pass
    /// under the vault's writer lock.</summary>
    public override void StartBackground(Lock writeGate)
    {
        if (_checkpointer is not null)
        {
            return;
        }

        var connection = Open(_fullPath, _busyTimeout);
        try
        {
            Execute(connection, "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0;");
            _checkpointer = new SqliteWalCheckpointer(connection, "vault WAL checkpointer", new WalCheckpointPolicy
            {
                Every = 1,
                MinInterval = TimeSpan.FromMilliseconds(100),
                CatchUpPasses = 0,
                BoundFrames = 65_536,
                WriterLock = writeGate,
            });
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public override void Committed() => _checkpointer?.Written();

    public override void StopBackground() => _checkpointer?.Dispose();

    /// <summary>Tests: the background checkpointer, once started.</summary>
    internal SqliteWalCheckpointer? Checkpointer => _checkpointer;

    public override void Dispose() => _checkpointer?.Dispose();

    private static string PrepareFile(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        var fullPath = Path.GetFullPath(databasePath);
        if (Path.GetDirectoryName(fullPath) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        if (OperatingSystem.IsWindows())
        {
            return fullPath;
        }

        if (!File.Exists(fullPath))
        {
            using var created = new FileStream(fullPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = OwnerOnly,
            });
        }

        foreach (var path in new[] { fullPath, fullPath + "-wal", fullPath + "-shm" })
        {
            if (File.Exists(path) && File.GetUnixFileMode(path) != OwnerOnly)
            {
                File.SetUnixFileMode(path, OwnerOnly);
            }
        }

        return fullPath;
    }

    private static SqliteConnection OpenWriter(string fullPath, TimeSpan busyTimeout)
    {
        var connection = Open(fullPath, busyTimeout);
        // cache_size: the writer's page cache holds the pages a group's stage and commit both touch, and the search indexes'
        // leaves from one group to the next (SQLite's default, 2 MiB, spilled dirty pages into the WAL in the middle of a
        // large stage and read pages back from the WAL; docs/benchmarks.md, import eighth round).
        // wal_autocheckpoint = 0: the SqliteWalCheckpointer copies the WAL into the file on its own thread (ADR 0019, 0023).
        Execute(connection, $"PRAGMA secure_delete = ON; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -{WriterCacheKiB}; PRAGMA wal_autocheckpoint = 0;");
        using var journal = connection.CreateCommand();
        journal.CommandText = "PRAGMA journal_mode = WAL";
        if (journal.ExecuteScalar() is not string mode || !mode.Equals("wal", StringComparison.OrdinalIgnoreCase))
        {
            connection.Dispose();
            throw new InvalidOperationException($"Vault database '{fullPath}' could not be switched to WAL mode.");
        }

        return connection;
    }

    private static SqliteConnection OpenReader(string fullPath, TimeSpan busyTimeout)
    {
        var connection = Open(fullPath, busyTimeout);
        Execute(connection, "PRAGMA query_only = ON;");
        return connection;
    }

    private static SqliteConnection Open(string fullPath, TimeSpan busyTimeout)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(busyTimeout.TotalSeconds),
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            // temp_store: sorts and temporary indexes stay in memory, never in a temp file on disk.
            Execute(connection, $"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds}; PRAGMA temp_store = MEMORY;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
