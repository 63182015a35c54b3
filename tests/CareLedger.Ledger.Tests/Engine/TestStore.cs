using CareLedger.Ledger.Engine;
using CareLedger.Storage;
using CareLedger.Testing;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CareLedger.Ledger.Tests.Engine;

/// <summary>The ledger state of a test, on either store, and raw SQL on it as an attacker with database access would run.</summary>
internal static class TestStore
{
    /// <summary>A fresh PostgreSQL schema on the test server for <see cref="StoreKind.Postgres"/>, else null (DATA/state.db).</summary>
    public static PostgresStore? For(StoreKind kind) => kind == StoreKind.Postgres ? PostgresServer.Shared.NewStore() : null;

    public static LedgerOptions On(this LedgerOptions options, StoreKind kind) => options with { Postgres = For(kind) };

    /// <summary>Runs <paramref name="sql"/> (in the SQL both engines read) on the options' state, SQLite file or schema.</summary>
    public static void Execute(LedgerOptions options, string sql)
    {
        if (options.Postgres is { } store)
        {
            using var connection = new NpgsqlConnection(store.SessionConnectionString("test", pooled: false));
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection);
            command.ExecuteNonQuery();
            return;
        }

        using var sqlite = new SqliteConnection($"Data Source={Path.Combine(options.DataDirectory, "state.db")};Pooling=False");
        sqlite.Open();
        using var raw = sqlite.CreateCommand();
        raw.CommandText = sql;
        raw.ExecuteNonQuery();
    }

    /// <summary>Removes the whole state (the file and its WAL, or the schema's tables), as an operator rebuilding it would.</summary>
    public static void Delete(LedgerOptions options)
    {
        if (options.Postgres is not null)
        {
            Execute(options, "DROP TABLE meta, transactions, keys, records, erased_patients, credentials");
            return;
        }

        foreach (var file in Directory.GetFiles(options.DataDirectory, "state.db*"))
        {
            File.Delete(file);
        }
    }

    /// <summary>A blob literal in both engines' SQL.</summary>
    public static string Blob(ReadOnlySpan<byte> bytes, StoreKind kind) => kind == StoreKind.Postgres
        ? $"'\\x{Convert.ToHexStringLower(bytes)}'::bytea"
        : $"x'{Convert.ToHexString(bytes)}'";
}
