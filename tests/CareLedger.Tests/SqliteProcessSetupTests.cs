using CareLedger.Sqlite;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CareLedger.Tests;

/// <summary>
/// The in-process nodes of this test assembly run with SQLite configured as <c>careledger</c> configures it
/// (docs/adr/0025): the assembly's module initialiser applied it before any test opened a connection.
/// </summary>
public sealed class SqliteProcessSetupTests
{
    [Fact]
    public void The_test_process_runs_with_SQLite_memory_statistics_off()
    {
        Assert.True(SqliteProcessConfiguration.Applied);
        Assert.False(SqliteProcessConfiguration.Apply());

        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE t (x BLOB); INSERT INTO t SELECT randomblob(100000); SELECT length(x) FROM t";
        Assert.Equal(100_000L, (long)command.ExecuteScalar()!);

        Assert.Equal(0L, raw.sqlite3_memory_used());
    }
}
