using System.Text;
using CareLedger.Vault.Keys;
using CareLedger.Vault.Search;
using Microsoft.Data.Sqlite;

namespace CareLedger.Vault.Tests.Support;

/// <summary>A real vault and keyring in a temporary directory, removed on dispose.</summary>
internal sealed class TestVault : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public TestVault()
    {
        Directory = Path.Combine(Path.GetTempPath(), "careledger-vault-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        DatabasePath = Path.Combine(Directory, "vault.db");
        KeyringPath = Path.Combine(Directory, "keyring.json");
        Keyring = FileKeyring.OpenOrCreate(KeyringPath, Time);
        Vault = Vault.Open(Options);
    }

    public string Directory { get; }

    public string DatabasePath { get; }

    public string KeyringPath { get; }

    public ManualTime Time { get; } = new(Start);

    public FileKeyring Keyring { get; private set; }

    public Vault Vault { get; private set; }

    public VaultOptions Options => new(DatabasePath, Keyring) { Time = Time };

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

    /// <summary>Runs SQL straight on the database file, as an attacker with file access would.</summary>
    public void RawExecute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    public T RawScalar<T>(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)command.ExecuteScalar()!;
    }

    /// <summary>The bytes of the database file and its WAL as they are on disk now.</summary>
    public byte[] FileBytes()
    {
        using var all = new MemoryStream();
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
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
