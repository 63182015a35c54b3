using CareLedger.Ledger.Crypto;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Credentials;

/// <summary>
/// DATA/credentials.db: the signed credentials a board issued, by id and by practitioner. It holds the only copy of
/// each VC-JWT, so it is written with synchronous=FULL; a new JWT is stored as pending before its status transaction is
/// submitted and promoted after, so a credential on the ledger is never lost. Status lives on the ledger, not here.
/// </summary>
internal sealed class CredentialStore : IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS credentials (
            id                TEXT PRIMARY KEY NOT NULL,
            practitioner      TEXT NOT NULL,
            issuer_key        BLOB NOT NULL,
            jwt               TEXT,
            pending_jwt       TEXT,
            revocation_reason TEXT,
            created_unix_ms   INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS credentials_by_practitioner ON credentials (practitioner, created_unix_ms);
        """;

    private const string Columns = "id, practitioner, issuer_key, jwt, pending_jwt, revocation_reason";

    private readonly string connectionString;

    private CredentialStore(string connectionString) => this.connectionString = connectionString;

    public static CredentialStore Open(string path)
    {
        var fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        var store = new CredentialStore(new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString());
        using var connection = store.Connect();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, Schema);
        return store;
    }

    public void InsertPending(string id, string practitioner, KeyId issuerKey, string jwt, DateTimeOffset created)
    {
        using var connection = Connect();
        using var command = Command(connection,
            "INSERT INTO credentials (id, practitioner, issuer_key, jwt, pending_jwt, revocation_reason, created_unix_ms) VALUES ($id, $practitioner, $issuer, NULL, $jwt, NULL, $created)");
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$practitioner", practitioner);
        command.Parameters.AddWithValue("$issuer", issuerKey.ToArray());
        command.Parameters.AddWithValue("$jwt", jwt);
        command.Parameters.AddWithValue("$created", created.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    public void SetPending(string id, string jwt) => Update(id, "UPDATE credentials SET pending_jwt = $value WHERE id = $id", jwt);

    /// <summary>The pending JWT is on the ledger: it becomes the current one.</summary>
    public void Promote(string id) => Update(id, "UPDATE credentials SET jwt = pending_jwt, pending_jwt = NULL WHERE id = $id AND pending_jwt IS NOT NULL", null);

    /// <summary>The pending JWT never reached the ledger: forget it, and the row if it was a first issue.</summary>
    public void DropPending(string id)
    {
        using var connection = Connect();
        using var transaction = connection.BeginTransaction();
        using (var clear = Command(connection, "UPDATE credentials SET pending_jwt = NULL WHERE id = $id", transaction))
        {
            clear.Parameters.AddWithValue("$id", id);
            clear.ExecuteNonQuery();
        }

        using (var delete = Command(connection, "DELETE FROM credentials WHERE id = $id AND jwt IS NULL", transaction))
        {
            delete.Parameters.AddWithValue("$id", id);
            delete.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public void SetRevocationReason(string id, string reason) => Update(id, "UPDATE credentials SET revocation_reason = $value WHERE id = $id", reason);

    public StoredCredential? Find(string id)
    {
        using var connection = Connect();
        using var command = Command(connection, $"SELECT {Columns} FROM credentials WHERE id = $id");
        command.Parameters.AddWithValue("$id", id);
        return ReadAll(command).SingleOrDefault();
    }

    /// <summary>The practitioner's credentials that reached the ledger, newest first.</summary>
    public IReadOnlyList<StoredCredential> ForPractitioner(string practitioner)
    {
        using var connection = Connect();
        using var command = Command(connection,
            $"SELECT {Columns} FROM credentials WHERE practitioner = $practitioner AND jwt IS NOT NULL ORDER BY created_unix_ms DESC, id");
        command.Parameters.AddWithValue("$practitioner", practitioner);
        return ReadAll(command);
    }

    /// <summary>Credentials that reached the ledger, newest first.</summary>
    public IReadOnlyList<StoredCredential> List(int limit)
    {
        using var connection = Connect();
        using var command = Command(connection, $"SELECT {Columns} FROM credentials WHERE jwt IS NOT NULL ORDER BY created_unix_ms DESC, id LIMIT $limit");
        command.Parameters.AddWithValue("$limit", limit);
        return ReadAll(command);
    }

    /// <summary>Every credential that reached the ledger, for the in-memory index by practitioner.</summary>
    public IReadOnlyList<StoredCredential> AllCommitted()
    {
        using var connection = Connect();
        using var command = Command(connection, $"SELECT {Columns} FROM credentials WHERE jwt IS NOT NULL ORDER BY created_unix_ms DESC, id");
        return ReadAll(command);
    }

    public IReadOnlyList<StoredCredential> Pending()
    {
        using var connection = Connect();
        using var command = Command(connection, $"SELECT {Columns} FROM credentials WHERE pending_jwt IS NOT NULL");
        return ReadAll(command);
    }

    public void Dispose()
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private void Update(string id, string sql, string? value)
    {
        using var connection = Connect();
        using var command = Command(connection, sql);
        command.Parameters.AddWithValue("$id", id);
        if (value is not null)
        {
            command.Parameters.AddWithValue("$value", value);
        }

        command.ExecuteNonQuery();
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous=FULL;");
        return connection;
    }

    private static List<StoredCredential> ReadAll(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<StoredCredential>();
        while (reader.Read())
        {
            rows.Add(new StoredCredential(
                reader.GetString(0),
                reader.GetString(1),
                new KeyId(reader.GetFieldValue<byte[]>(2)),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return rows;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = Command(connection, sql);
        command.ExecuteNonQuery();
    }
}
