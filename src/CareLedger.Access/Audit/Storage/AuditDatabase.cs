using CareLedger.Sqlite;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Audit.Storage;

/// <summary>
/// Opens <c>DATA/audit.db</c>. The file is created with mode 0600 before SQLite opens it (SQLite gives its -wal and
/// -shm files the database file's mode). WAL with synchronous=FULL: a written batch must survive power loss, since
/// its records exist nowhere else and its anchor may already be on the ledger. No writer checkpoints at its commits
/// (<c>wal_autocheckpoint = 0</c>): a <see cref="SqliteWalCheckpointer"/> does, on its own thread (ADR 0020, 0023).
/// </summary>
internal static class AuditDatabase
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(10);

    public static string PrepareFile(string databasePath)
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

    public static SqliteConnection OpenWriter(string fullPath)
    {
        var connection = Open(fullPath);
        try
        {
            // No checkpoint at commit: the trail's checkpointer thread runs them (ADR 0020), erasure its own TRUNCATE.
            Execute(connection, "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0;");
            using var journal = connection.CreateCommand();
            journal.CommandText = "PRAGMA journal_mode = WAL";
            if (journal.ExecuteScalar() is not string mode || !mode.Equals("wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"audit database '{fullPath}' could not be switched to WAL mode");
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The log's checkpointer (ADR 0020, 0023) on a connection of its own: a round once
    /// <paramref name="everyRecords"/> records were written, catching up to three times so that the next batch finds the log
    /// wholly copied and starts it again, and at <see cref="BoundFrames"/> frames a pass on the batch loop's own thread at
    /// its next <see cref="SqliteWalCheckpointer.Written"/>, between two batches (the loop has no lock for a pass to run
    /// under).</summary>
    public static SqliteWalCheckpointer StartCheckpointer(string fullPath, int everyRecords)
    {
        var connection = OpenWriter(fullPath);
        try
        {
            return new SqliteWalCheckpointer(connection, "audit-checkpoint", new WalCheckpointPolicy
            {
                Every = everyRecords,
                MinInterval = TimeSpan.Zero,
                CatchUpPasses = 3,
                BoundFrames = BoundFrames,
                WriterLock = null,
            });
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The log's size (frames of 4 KiB pages: 64 MiB) at which a pass runs with no batch being written.</summary>
    public const int BoundFrames = 16_384;

    public static SqliteConnection OpenReader(string fullPath)
    {
        var connection = Open(fullPath);
        Execute(connection, "PRAGMA query_only = ON;");
        return connection;
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static SqliteConnection Open(string fullPath)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            Execute(connection, $"PRAGMA busy_timeout = {(long)BusyTimeout.TotalMilliseconds}; PRAGMA temp_store = MEMORY;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
