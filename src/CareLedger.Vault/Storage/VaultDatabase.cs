using Microsoft.Data.Sqlite;

namespace CareLedger.Vault.Storage;

/// <summary>
/// Opens the vault's SQLite file. The file is created with mode 0600 before SQLite opens it, because SQLite gives
/// its -wal and -shm files the database file's mode. WAL with synchronous=FULL: the vault cannot be rebuilt from
/// the ledger, so a committed write must survive power loss.
/// </summary>
internal static class VaultDatabase
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

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

    public static SqliteConnection OpenWriter(string fullPath, TimeSpan busyTimeout)
    {
        var connection = Open(fullPath, busyTimeout);
        Execute(connection, "PRAGMA secure_delete = ON; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
        using var journal = connection.CreateCommand();
        journal.CommandText = "PRAGMA journal_mode = WAL";
        if (journal.ExecuteScalar() is not string mode || !mode.Equals("wal", StringComparison.OrdinalIgnoreCase))
        {
            connection.Dispose();
            throw new InvalidOperationException($"Vault database '{fullPath}' could not be switched to WAL mode.");
        }

        return connection;
    }

    public static SqliteConnection OpenReader(string fullPath, TimeSpan busyTimeout)
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
