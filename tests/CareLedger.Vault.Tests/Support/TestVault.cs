using System.Data.Common;
using System.Globalization;
using System.Text;
using CareLedger.Storage;
using CareLedger.Testing;
using CareLedger.Vault.Keys;
using CareLedger.Vault.Search;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CareLedger.Vault.Tests.Support;

/// <summary>A real vault and keyring in a temporary directory, removed on dispose: in a SQLite file, or in a schema of
/// its own on the test PostgreSQL server (docs/adr/0006).</summary>
internal sealed class TestVault : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public TestVault(StoreKind kind = StoreKind.Sqlite)
    {
        Kind = kind;
        Postgres = kind == StoreKind.Postgres ? PostgresServer.Shared.NewStore() : null;
        Directory = Path.Combine(Path.GetTempPath(), "careledger-vault-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        DatabasePath = Path.Combine(Directory, "vault.db");
        KeyringPath = Path.Combine(Directory, "keyring.json");
        Keyring = FileKeyring.OpenOrCreate(KeyringPath, Time);
        Vault = Vault.Open(Options);
    }

    public string Directory { get; }

    public StoreKind Kind { get; }

    /// <summary>The vault's schema on the test server, for <see cref="StoreKind.Postgres"/>.</summary>
    public PostgresStore? Postgres { get; }

    public string DatabasePath { get; }

    public string KeyringPath { get; }

    public ManualTime Time { get; } = new(Start);

    public FileKeyring Keyring { get; private set; }

    public Vault Vault { get; private set; }

    public VaultOptions Options => new(DatabasePath, Keyring) { Time = Time, Postgres = Postgres };

    /// <summary>A fixed 16-byte transaction id per number (the ledger's ids are 16-byte UUIDv7).</summary>
    public static byte[] TxId(int n)
    {
        var id = new byte[16];
        id[0] = 0x01;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(id.AsSpan(12), n);
        return id;
    }

    public static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Stages and commits one version with a fresh transaction id, one second after the previous write.</summary>
    public StagedRecord Put(string type, string id, int version, string? patientId, string json, params IndexEntry[] index)
    {
        Time.Advance(TimeSpan.FromSeconds(1));
        var tx = Guid.NewGuid().ToByteArray();
        var staged = Vault.Stage([new StageRequest(new RecordAddress(type, id, version), patientId, Json(json), index)], tx);
        Vault.Commit(staged, tx);
        return staged[0];
    }

    public StagedRecord Delete(string type, string id, int version, string? patientId)
    {
        Time.Advance(TimeSpan.FromSeconds(1));
        var tx = Guid.NewGuid().ToByteArray();
        var staged = Vault.Stage([StageRequest.Delete(new RecordAddress(type, id, version), patientId)], tx);
        Vault.Commit(staged, tx);
        return staged[0];
    }

    public string? ReadText(string type, string id) => Vault.Read(type, id) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>Closes the vault (and keyring), for raw edits of the files, then opens both again.</summary>
    public void Reopen(Action? whileClosed = null)
    {
        Vault.Dispose();
        Keyring.Dispose();
        whileClosed?.Invoke();
        Keyring = FileKeyring.OpenOrCreate(KeyringPath, Time);
        Vault = Vault.Open(Options);
    }

    /// <summary>Runs SQL straight on the database, as an attacker with access to it would. The SQL is what both engines
    /// read (<c>@name</c> parameters); on PostgreSQL the schema also has a test-only <c>zeroblob(n)</c>, as SQLite does.</summary>
    public void RawExecute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = OpenRaw();
        using var command = Command(connection, sql, parameters);
        command.ExecuteNonQuery();
    }

    public T RawScalar<T>(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = OpenRaw();
        using var command = Command(connection, sql, parameters);
        return (T)command.ExecuteScalar()!;
    }

    /// <summary>
    /// Everything the store holds, as bytes. SQLite: the database file and its WAL as they are on disk now. PostgreSQL:
    /// every value of every table in the vault's schema (text as UTF-8, blobs as they are); what the server's own files
    /// and WAL keep of deleted rows is beyond this (docs/adr/0006).
    /// </summary>
    public byte[] FileBytes()
    {
        using var all = new MemoryStream();
        if (Postgres is not null)
        {
            using var connection = OpenRaw();
            var tables = new List<string>();
            using (var list = Command(connection, "SELECT table_name FROM information_schema.tables WHERE table_schema = @schema", [("@schema", Postgres.Schema)]))
            using (var rows = list.ExecuteReader())
            {
                while (rows.Read())
                {
                    tables.Add(rows.GetString(0));
                }
            }

            foreach (var table in tables)
            {
                using var select = Command(connection, $"SELECT * FROM {table}", []);
                using var rows = select.ExecuteReader();
                while (rows.Read())
                {
                    for (var i = 0; i < rows.FieldCount; i++)
                    {
                        var bytes = rows.GetValue(i) switch
                        {
                            byte[] blob => blob,
                            string text => Encoding.UTF8.GetBytes(text),
                            DBNull => [],
                            var other => Encoding.UTF8.GetBytes(Convert.ToString(other, CultureInfo.InvariantCulture)!),
                        };
                        all.Write(bytes);
                    }
                }
            }

            return all.ToArray();
        }

        foreach (var path in new[] { DatabasePath, DatabasePath + "-wal" })
        {
            if (File.Exists(path))
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                stream.CopyTo(all);
            }
        }

        return all.ToArray();
    }

    public static bool Contains(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0 || haystack.AsSpan().IndexOf(Encoding.Unicode.GetBytes(needle)) >= 0;

    public void Dispose()
    {
        Vault.Dispose();
        Keyring.Dispose();
        SqliteConnection.ClearAllPools();
        if (Postgres is not null)
        {
            RawExecute($"DROP SCHEMA {Postgres.Schema} CASCADE");
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private DbConnection OpenRaw()
    {
        if (Postgres is { } store)
        {
            var postgres = new NpgsqlConnection(store.SessionConnectionString("test", pooled: false));
            postgres.Open();
            using var zeroblob = postgres.CreateCommand();
            zeroblob.CommandText = "CREATE OR REPLACE FUNCTION pg_temp.zeroblob(n bigint) RETURNS bytea LANGUAGE sql AS $$ SELECT decode(repeat('00', n::int), 'hex') $$";
            zeroblob.ExecuteNonQuery();
            return postgres;
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private DbCommand Command(DbConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        // A function in pg_temp is found only when called with its schema.
        command.CommandText = Postgres is null ? sql : sql.Replace("zeroblob(", "pg_temp.zeroblob(", StringComparison.Ordinal);
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
