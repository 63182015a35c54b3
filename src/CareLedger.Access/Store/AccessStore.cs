using CareLedger.IO;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Store;

/// <summary>
/// DATA/access.db, shared by the break-glass registry, the notification box and the delegation registry: SQLite in WAL
/// mode with synchronous=FULL (a grant, a notification or a revocation acknowledged to a caller survives power loss) and
/// secure_delete (deleted rows are overwritten, not left in free pages). The file and its -wal/-shm are mode 0600.
/// The free text that may hold clinical content (break-glass reasons) is sealed under DATA/keys/access.key, so no
/// plaintext reason sits in the database. One connection, used under a lock: these registries see few writes.
/// </summary>
public sealed partial class AccessStore : IDisposable
{
    public const string DatabaseFileName = "access.db";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(10);

    private readonly SqliteConnection connection;
    private readonly Lock connectionLock = new();
    private int disposed;

    private AccessStore(string databasePath, SqliteConnection connection, AccessKey key)
    {
        DatabasePath = databasePath;
        this.connection = connection;
        Key = key;
    }

    /// <summary>The database file (DATA/access.db).</summary>
    public string DatabasePath { get; }

    internal AccessKey Key { get; }

    /// <summary>Where the sealing key of a node's access.db lives.</summary>
    public static string KeyPath(string dataDirectory) => Path.Combine(dataDirectory, "keys", AccessKey.FileName);

    /// <summary>Opens (or creates) DATA/access.db and its key in the node's data directory.</summary>
    public static AccessStore Open(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        var databasePath = PrepareFile(Path.Combine(Path.GetFullPath(dataDirectory), DatabaseFileName));
        var key = AccessKey.LoadOrCreate(KeyPath(dataDirectory));
        SqliteConnection? connection = null;
        try
        {
            connection = OpenConnection(databasePath);
            AccessSchema.Apply(connection);
            return new AccessStore(databasePath, connection, key);
        }
        catch
        {
            connection?.Dispose();
            key.Dispose();
            throw;
        }
    }

    internal T Read<T>(Func<SqliteConnection, T> read)
    {
        lock (connectionLock)
        {
            ObjectDisposedException.ThrowIf(disposed != 0, this);
            return read(connection);
        }
    }

    /// <summary>Runs <paramref name="write"/> in one SQLite transaction, committed (fsynced) before this returns.</summary>
    internal T Write<T>(Func<SqliteConnection, SqliteTransaction, T> write)
    {
        lock (connectionLock)
        {
            ObjectDisposedException.ThrowIf(disposed != 0, this);
            using var transaction = connection.BeginTransaction(deferred: false);
            var result = write(connection, transaction);
            transaction.Commit();
            return result;
        }
    }

    internal void Write(Action<SqliteConnection, SqliteTransaction> write) =>
        Write<bool>((c, t) =>
        {
            write(c, t);
            return true;
        });

    public void Dispose()
    {
        lock (connectionLock)
        {
            if (Interlocked.Exchange(ref disposed, 1) == 1)
            {
                return;
            }

            connection.Dispose();
            Key.Dispose();
        }
    }

    /// <summary>Creates the file with mode 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database's mode.</summary>
    private static string PrepareFile(string fullPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        if (OperatingSystem.IsWindows())
        {
            return fullPath;
        }

        if (!File.Exists(fullPath))
        {
            using (new FileStream(fullPath, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly }))
            {
            }

            DirectorySync.TryFlush(Path.GetDirectoryName(fullPath)!);
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

    private static SqliteConnection OpenConnection(string fullPath)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString());
        try
        {
            connection.Open();
            // temp_store: sorts and temporary indexes stay in memory, never in a temporary file on disk.
            Sql.Execute(connection, $"PRAGMA busy_timeout = {(long)BusyTimeout.TotalMilliseconds}; PRAGMA temp_store = MEMORY; PRAGMA secure_delete = ON; PRAGMA synchronous = FULL;");
            using var journal = connection.CreateCommand();
            journal.CommandText = "PRAGMA journal_mode = WAL";
            if (journal.ExecuteScalar() is not string mode || !mode.Equals("wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"access database '{fullPath}' could not be switched to WAL mode");
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
