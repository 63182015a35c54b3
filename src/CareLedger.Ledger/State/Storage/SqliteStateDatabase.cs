using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace CareLedger.Ledger.State.Storage;

/// <summary>
/// The ledger state in a SQLite file (DATA/state.db), the embedded default. WAL with synchronous=NORMAL: the log, not
/// this file, is what is durable, and the state is always rebuilt from the log past its applied count.
/// </summary>
internal sealed class SqliteStateDatabase : StateDatabase
{
    private readonly SqliteConnection writer;
    private readonly string readConnectionString;

    private SqliteStateDatabase(string fullPath, SqliteConnection writer, string readConnectionString)
    {
        Location = $"'{fullPath}'";
        this.writer = writer;
        this.readConnectionString = readConnectionString;
    }

    public override string Location { get; }

    public override DbConnection Writer => writer;

    public override string CreateTables => StateSchema.CreateSqlite;

    public static SqliteStateDatabase Open(string path)
    {
        var fullPath = Path.GetFullPath(path);
        var writer = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            writer.Open();
            using var command = writer.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
            command.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            writer.Dispose();
            throw new LedgerStateException($"'{fullPath}' is not a usable state database: {e.Message}", e);
        }

        return new SqliteStateDatabase(fullPath, writer, ReadOnly(fullPath, pooled: true));
    }

    /// <summary>A read-only session on a state file that another process may be writing, or null if there is no such file.</summary>
    public static DbConnection? OpenForAudit(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var connection = new SqliteConnection(ReadOnly(Path.GetFullPath(path), pooled: false));
        connection.Open();
        return connection;
    }

    public override DbConnection OpenReader()
    {
        var connection = new SqliteConnection(readConnectionString);
        connection.Open();
        return connection;
    }

    public override object MetaValue(object value) => value;

    public override void Dispose()
    {
        writer.Dispose();
        using var pooled = new SqliteConnection(readConnectionString);
        SqliteConnection.ClearPool(pooled);
    }

    private static string ReadOnly(string fullPath, bool pooled) => new SqliteConnectionStringBuilder
    {
        DataSource = fullPath,
        Mode = SqliteOpenMode.ReadOnly,
        Pooling = pooled,
    }.ToString();
}
