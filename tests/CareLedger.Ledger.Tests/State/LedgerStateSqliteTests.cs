using CareLedger.Ledger.State;
using CareLedger.Ledger.Tests.Engine;
using Microsoft.Data.Sqlite;

namespace CareLedger.Ledger.Tests.State;

/// <summary>What only the SQLite file can meet: a file that is not a database, and state files of format 1.</summary>
public class LedgerStateSqliteTests
{
    [Fact]
    public void A_file_that_is_not_a_state_database_is_refused_with_its_path()
    {
        using var directory = new TempDirectory("state");
        var path = directory.Combine("state.db");
        File.WriteAllText(path, "this is not a database, just some text that is long enough to have a header .....");

        var error = Assert.Throws<LedgerStateException>(() => LedgerState.Open(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_state_file_of_an_unknown_format_version_is_refused()
    {
        using var directory = new TempDirectory("state");
        var path = directory.Combine("state.db");
        LedgerState.Open(path).Dispose();
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE meta SET value = 99 WHERE name = 'format'";
            command.ExecuteNonQuery();
        }

        Assert.Contains("format 99", Assert.Throws<LedgerStateException>(() => LedgerState.Open(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_format_1_state_gains_an_empty_credentials_table_and_keeps_its_rows()
    {
        using var directory = new TempDirectory("state");
        var path = directory.Combine("state.db");
        LedgerState.Open(path).Dispose();
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE credentials; UPDATE meta SET value = 1 WHERE name = 'format'; UPDATE meta SET value = 0 WHERE name = 'applied_count'";
            command.ExecuteNonQuery();
        }

        using (var state = LedgerState.Open(path))
        {
            Assert.Null(state.FindCredential(new byte[32]));
        }

        using var check = new SqliteConnection($"Data Source={path};Pooling=False");
        check.Open();
        using var format = check.CreateCommand();
        format.CommandText = "SELECT value FROM meta WHERE name = 'format'";
        Assert.Equal(2L, format.ExecuteScalar());
    }
}
