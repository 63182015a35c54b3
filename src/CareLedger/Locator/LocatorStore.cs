using CareLedger.IO;
using Microsoft.Data.Sqlite;

namespace CareLedger.Locator;

/// <summary>
/// DATA/locator.db (mode 0600): which local patient each locator pseudonym names, and whether this member has announced
/// it on the ledger yet. It never leaves the node: the ledger sees only the pseudonyms. A patient is remembered before
/// the announcement is submitted, so an announcement interrupted by a crash is submitted again on the next start. An erased
/// patient's pseudonyms move, in one transaction, to the retractions still to be submitted (the local patient id is gone
/// from here at once), and leave once their retraction is on the ledger.
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
                CREATE INDEX IF NOT EXISTS located_patients_by_patient ON located_patients (patient_id);
                CREATE TABLE IF NOT EXISTS retracted_patients (
                    pseudonym BLOB PRIMARY KEY NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS locator_meta (
                    name TEXT PRIMARY KEY NOT NULL,
                    value BLOB NOT NULL
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
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO located_patients (pseudonym, patient_id) VALUES ($p, $id) ON CONFLICT (pseudonym) DO NOTHING";
            command.Parameters.AddWithValue("$p", pseudonym);
            command.Parameters.AddWithValue("$id", patientId);
            var added = command.ExecuteNonQuery() == 1;
            if (added)
            {
                // Held again: a retraction not yet submitted is dropped (one already submitted is followed by the announcement).
                using var keep = connection.CreateCommand();
                keep.Transaction = transaction;
                keep.CommandText = "DELETE FROM retracted_patients WHERE pseudonym = $p";
                keep.Parameters.AddWithValue("$p", pseudonym);
                keep.ExecuteNonQuery();
            }

            transaction.Commit();
            return added;
        }
    }

    /// <summary>
    /// Forgets the local patient (erased): its pseudonyms become retractions to submit. Returns how many. A pseudonym
    /// remembered again (another patient here with the same network identifier) leaves the retractions first.
    /// </summary>
    public int Forget(string patientId)
    {
        lock (connectionLock)
        {
            using var transaction = connection.BeginTransaction();
            using var retract = connection.CreateCommand();
            retract.Transaction = transaction;
            retract.CommandText = """
                INSERT INTO retracted_patients (pseudonym) SELECT pseudonym FROM located_patients WHERE patient_id = $id
                ON CONFLICT (pseudonym) DO NOTHING
                """;
            retract.Parameters.AddWithValue("$id", patientId);
            retract.ExecuteNonQuery();
            using var forget = connection.CreateCommand();
            forget.Transaction = transaction;
            forget.CommandText = "DELETE FROM located_patients WHERE patient_id = $id";
            forget.Parameters.AddWithValue("$id", patientId);
            var forgotten = forget.ExecuteNonQuery();
            transaction.Commit();
            return forgotten;
        }
    }

    /// <summary>
    /// The commitment of the locator key this store's pseudonyms are under (<see cref="LocatorKey.Id"/>); null in a store
    /// made before keys were rotated, whose pseudonyms are under the key the node holds.
    /// </summary>
    public byte[]? KeyId
    {
        get
        {
            lock (connectionLock)
            {
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT value FROM locator_meta WHERE name = 'key-id'";
                return command.ExecuteScalar() as byte[];
            }
        }

        set
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (connectionLock)
            {
                using var command = connection.CreateCommand();
                command.CommandText = "INSERT INTO locator_meta (name, value) VALUES ('key-id', $v) ON CONFLICT (name) DO UPDATE SET value = excluded.value";
                command.Parameters.AddWithValue("$v", value);
                command.ExecuteNonQuery();
            }
        }
    }

    /// <summary>
    /// The patient under a new locator key: <paramref name="current"/> are their pseudonyms now (remembered, to announce);
    /// any other pseudonym of theirs here is queued for retraction. One transaction, so a crash leaves the patient under
    /// one key or the other.
    /// </summary>
    public void Rekey(string patientId, IReadOnlyList<byte[]> current)
    {
        lock (connectionLock)
        {
            using var transaction = connection.BeginTransaction();
            var old = new List<byte[]>();
            using (var select = connection.CreateCommand())
            {
                select.Transaction = transaction;
                select.CommandText = "SELECT pseudonym FROM located_patients WHERE patient_id = $id";
                select.Parameters.AddWithValue("$id", patientId);
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    var pseudonym = (byte[])reader[0];
                    if (!current.Any(c => c.AsSpan().SequenceEqual(pseudonym)))
                    {
                        old.Add(pseudonym);
                    }
                }
            }

            foreach (var pseudonym in old)
            {
                Run(transaction, "INSERT INTO retracted_patients (pseudonym) VALUES ($p) ON CONFLICT (pseudonym) DO NOTHING", pseudonym, null);
                Run(transaction, "DELETE FROM located_patients WHERE pseudonym = $p", pseudonym, null);
            }

            foreach (var pseudonym in current)
            {
                Run(transaction, "INSERT INTO located_patients (pseudonym, patient_id) VALUES ($p, $id) ON CONFLICT (pseudonym) DO NOTHING", pseudonym, patientId);
                Run(transaction, "DELETE FROM retracted_patients WHERE pseudonym = $p", pseudonym, null);
            }

            transaction.Commit();
        }
    }

    private void Run(SqliteTransaction transaction, string sql, byte[] pseudonym, string? patientId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$p", pseudonym);
        if (patientId is not null)
        {
            command.Parameters.AddWithValue("$id", patientId);
        }

        command.ExecuteNonQuery();
    }

    /// <summary>Every local patient this store names (to find those erased by an erasure a crash interrupted).</summary>
    public IReadOnlyList<string> Patients()
    {
        lock (connectionLock)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT DISTINCT patient_id FROM located_patients";
            using var reader = command.ExecuteReader();
            var found = new List<string>();
            while (reader.Read())
            {
                found.Add(reader.GetString(0));
            }

            return found;
        }
    }

    /// <summary>Up to <paramref name="limit"/> pseudonyms whose retraction is still to be submitted.</summary>
    public IReadOnlyList<byte[]> Unretracted(int limit) => Pseudonyms("SELECT pseudonym FROM retracted_patients ORDER BY pseudonym LIMIT $n", limit);

    /// <summary>The retractions are on the ledger (or were not needed).</summary>
    public void MarkRetracted(IReadOnlyList<byte[]> pseudonyms)
    {
        lock (connectionLock)
        {
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM retracted_patients WHERE pseudonym = $p";
            var pseudonymParameter = command.Parameters.Add("$p", SqliteType.Blob);
            foreach (var pseudonym in pseudonyms)
            {
                pseudonymParameter.Value = pseudonym;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
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
    public IReadOnlyList<byte[]> Unannounced(int limit) =>
        Pseudonyms("SELECT pseudonym FROM located_patients WHERE announced_leaf IS NULL ORDER BY pseudonym LIMIT $n", limit);

    private List<byte[]> Pseudonyms(string sql, int limit)
    {
        lock (connectionLock)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
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
