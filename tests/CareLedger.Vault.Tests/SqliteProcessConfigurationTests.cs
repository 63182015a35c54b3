using CareLedger.Sqlite;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CareLedger.Vault.Tests;

/// <summary>
/// SQLite's process-wide configuration (src/Shared/Sqlite, ADR 0025), applied to this test process by its module
/// initialiser (SqliteProcessSetup) as <c>careledger</c>'s entry point applies it to the node's.
/// </summary>
public sealed class SqliteProcessConfigurationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("careledger-sqliteconfig-").FullName;

    [Fact]
    public void Memory_statistics_are_off_so_SQLite_counts_no_bytes_while_it_allocates()
    {
        Assert.True(SqliteProcessConfiguration.Applied);
        using var connection = Open();
        Execute(connection, "CREATE TABLE rows (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
        Execute(connection, "INSERT INTO rows (body) SELECT randomblob(3000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) SELECT i FROM n)");
        Assert.Equal(500L, Scalar(connection, "SELECT count(*) FROM rows"));

        // With SQLITE_CONFIG_MEMSTATUS on (e_sqlite3's default) the open connection, its page cache and schema hold
        // bytes SQLite counts here; off, SQLite keeps no count.
        Assert.Equal(0L, raw.sqlite3_memory_used());
    }

    [Fact]
    public void A_second_apply_does_nothing_and_says_so()
    {
        Assert.False(SqliteProcessConfiguration.Apply());
        Assert.True(SqliteProcessConfiguration.Applied);
    }

    [Fact]
    public void Configuring_a_SQLite_that_a_connection_has_already_initialised_fails_clearly_and_changes_nothing()
    {
        using var connection = Open(); // SQLite is initialised from here on, whatever ran before.
        Execute(connection, "CREATE TABLE rows (id INTEGER PRIMARY KEY)");

        var error = Assert.Throws<InvalidOperationException>(SqliteProcessConfiguration.Configure);

        Assert.Contains("SQLite was initialised before the process configuration", error.Message, StringComparison.Ordinal);
        Assert.Contains("SqliteProcessConfiguration.Apply()", error.Message, StringComparison.Ordinal);
        Execute(connection, "INSERT INTO rows DEFAULT VALUES");
        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM rows"));
        Assert.Equal(0L, raw.sqlite3_memory_used());
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(_directory, $"{Guid.NewGuid():N}.db"),
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
