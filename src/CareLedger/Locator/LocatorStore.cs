using CareLedger.IO;
using Microsoft.Data.Sqlite;

namespace CareLedger.Locator;

/// <summary>
/// DATA/locator.db (mode 0600): which local patient each locator pseudonym names, and whether this member has announced
/// it on the ledger yet. It never leaves the node: the ledger sees only the pseudonyms. A patient is remembered before
/// the announcement is submitted, so an announcement interrupted by a crash is submitted again on the next start.
/// </summary>
internal sealed class LocatorStore : IDisposable
{
    public const string DatabaseFileName = "locator.db";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly SqliteConnection connection;
    private readonly Lock connectionLock = new();

    private LocatorStore(SqliteConnection connection) => this.connection = connection;

    public static LocatorStore Open(string dataDirectory)
    {
        var path = Path.Combine(Path.GetFullPath(dataDirectory), DatabaseFileName);
        if (!OperatingSystem.IsWindows() && !File.Exists(path))
        {
            // Created 0600 before SQLite opens it: its -wal and -shm files take the database's mode.
            using (new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly }))
            {
            }

            DirectorySync.TryFlush(Path.GetDirectoryName(path)!);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 10 }.ToString());
        try
        {
            connection.Open();
            Execute(connection, """
                PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;
                CREATE TABLE IF NOT EXISTS located_patients (
                    pseudonym BLOB PRIMARY KEY NOT NULL,
                    patient_id TEXT NOT NULL,
                    announced_leaf INTEGER
                ) WITHOUT ROWID;
                """);
            return new LocatorStore(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Remembers that <paramref name="pseudonym"/> names the local patient; true if it is new (to be announced).</summary>
    public bool Remember(byte[] pseudonym, string patientId)
    {
        lock (connectionLock)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO located_patients (pseudonym, patient_id) VALUES ($p, $id) ON CONFLICT (pseudonym) DO NOTHING";
            command.Parameters.AddWithValue("$p", pseudonym);
            command.Parameters.AddWithValue("$id", patientId);
            return command.ExecuteNonQuery() == 1;
        }
    }

    /// <summary>The local patient a pseudonym names; null if this member holds no such patient.</summary>
    public string? PatientOf(byte[] pseudonym)
    {
        lock (connectionLock)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT patient_id FROM located_patients WHERE pseudonym = $p";
            command.Parameters.AddWithValue("$p", pseudonym);
            return command.ExecuteScalar() as string;
        }
    }

    /// <summary>Up to <paramref name="limit"/> pseudonyms not yet announced.</summary>
    public IReadOnlyList<byte[]> Unannounced(int limit)
    {
        lock (connectionLock)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT pseudonym FROM located_patients WHERE announced_leaf IS NULL ORDER BY pseudonym LIMIT $n";
            command.Parameters.AddWithValue("$n", limit);
            using var reader = command.ExecuteReader();
            var found = new List<byte[]>();
            while (reader.Read())
            {
                found.Add((byte[])reader[0]);
            }

            return found;
        }
    }

    public void MarkAnnounced(IReadOnlyList<byte[]> pseudonyms, long leaf)
    {
        lock (connectionLock)
        {
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "UPDATE located_patients SET announced_leaf = $leaf WHERE pseudonym = $p";
            var leafParameter = command.Parameters.Add("$leaf", SqliteType.Integer);
            var pseudonymParameter = command.Parameters.Add("$p", SqliteType.Blob);
            leafParameter.Value = leaf;
            foreach (var pseudonym in pseudonyms)
            {
                pseudonymParameter.Value = pseudonym;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    public void Dispose()
    {
        lock (connectionLock)
        {
            connection.Dispose();
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
