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

    [Theory]
    [InlineData(1, "DROP TABLE credentials; DROP TABLE members; " + DropGovernance + DropPositions)]
    [InlineData(2, "DROP TABLE members; " + DropGovernance + DropPositions)]
    [InlineData(3, DropGovernance + DropPositions + " DROP TABLE members; " + MembersByName)]
    [InlineData(4, DropPositions)]
    public void An_older_state_gains_its_missing_tables_empty_and_the_current_format(int olderFormat, string drop)
    {
        using var directory = new TempDirectory("state");
        var path = directory.Combine("state.db");
        LedgerState.Open(path).Dispose();
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = drop + $"UPDATE meta SET value = {olderFormat} WHERE name = 'format'; UPDATE meta SET value = 0 WHERE name = 'applied_count'";
            command.ExecuteNonQuery();
        }

        using (var state = LedgerState.Open(path))
        {
            Assert.Null(state.FindCredential(new byte[32]));
            Assert.Empty(state.MembersAt(1));
            Assert.Null(state.Consortium);
        }

        using var check = new SqliteConnection($"Data Source={path};Pooling=False");
        check.Open();
        using var format = check.CreateCommand();
        format.CommandText = "SELECT value FROM meta WHERE name = 'format'";
        Assert.Equal(5L, format.ExecuteScalar());
        using var positions = check.CreateCommand();
        positions.CommandText = "SELECT count(*) FROM checkpoint_positions";
        Assert.Equal(0L, positions.ExecuteScalar());

        // A member may now have several rows (a key rotation): keyed by (name, from_leaf).
        using var rotation = check.CreateCommand();
        rotation.CommandText = "INSERT INTO members VALUES ('m', 'o', x'01', x'02', 'k', 0, 5); INSERT INTO members VALUES ('m', 'o', x'03', x'04', 'k2', 5, NULL)";
        Assert.Equal(2, rotation.ExecuteNonQuery());
    }

    private const string DropGovernance = "DROP TABLE quorum_changes; DROP TABLE proposals; DROP TABLE votes;";

    /// <summary>Format 5 added where each checkpoint was decided in the stream (ADR 0005, a member's rollback).</summary>
    private const string DropPositions = " DROP TABLE checkpoint_positions;";

    /// <summary>Format 3's members table, keyed by name alone.</summary>
    private const string MembersByName = "CREATE TABLE members (name TEXT PRIMARY KEY NOT NULL, organisation TEXT NOT NULL, organisation_key BLOB NOT NULL, "
        + "node_key BLOB NOT NULL, cosigner_vkey TEXT NOT NULL, from_leaf INTEGER NOT NULL, until_leaf INTEGER) STRICT, WITHOUT ROWID;";
}
