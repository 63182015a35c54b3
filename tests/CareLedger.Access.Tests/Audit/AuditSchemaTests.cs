using CareLedger.Access.Audit;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Tests.Audit;

public class AuditSchemaTests
{
    [Fact]
    public async Task An_audit_database_of_schema_version_1_is_refused_by_version_and_left_as_it_was()
    {
        await using var node = await AuditTestNode.StartAsync();
        var oldPath = Path.Combine(node.Directory, "old-audit.db");
        using (var connection = Connect(oldPath))
        {
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE audit_records (seq INTEGER PRIMARY KEY, record BLOB NOT NULL); PRAGMA user_version = 1;";
            create.ExecuteNonQuery();
        }

        var refused = Assert.Throws<InvalidOperationException>(() => AuditTrail.Open(oldPath, node.Ledger));

        Assert.Contains("schema version 1", refused.Message, StringComparison.Ordinal);
        Assert.Contains("migrates only versions 2, 3 and 4", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1L, Scalar(oldPath, "PRAGMA user_version"));
        Assert.Equal(0L, Scalar(oldPath, "SELECT count(*) FROM sqlite_schema WHERE name = 'audit_batches'"));
    }

    [Fact]
    public async Task A_trail_reopens_its_own_database_and_continues_the_batch_numbers()
    {
        await using var node = await AuditTestNode.StartAsync();
        var first = AuditRecords.Read(AuditRecords.PatientA);
        node.Trail.Record(first);
        await node.Trail.FlushAsync();

        await node.ReopenTrailAsync();
        var second = AuditRecords.Read(AuditRecords.PatientA);
        node.Trail.Record(second);
        await node.Trail.FlushAsync();

        Assert.Equal(5L, Scalar(node.DatabasePath, "PRAGMA user_version"));
        Assert.Equal(node.Trail.Find(first.Id)!.Batch + 1, node.Trail.Find(second.Id)!.Batch);
        Assert.Equal(0, node.Trail.Find(second.Id)!.Index);
    }

    [Fact]
    public async Task An_audit_database_of_a_newer_schema_version_is_refused_by_version_and_left_as_it_was()
    {
        await using var node = await AuditTestNode.StartAsync();
        node.Trail.Record(AuditRecords.Read(AuditRecords.PatientA));
        await node.Trail.FlushAsync();
        await node.Trail.DisposeAsync();
        using (var connection = Connect(node.DatabasePath))
        {
            using var newer = connection.CreateCommand();
            newer.CommandText = "PRAGMA user_version = 6";
            newer.ExecuteNonQuery();
        }

        var refused = Assert.Throws<InvalidOperationException>(() => AuditTrail.Open(node.DatabasePath, node.Ledger));

        Assert.Contains("schema version 6", refused.Message, StringComparison.Ordinal);
        Assert.Equal(6L, Scalar(node.DatabasePath, "PRAGMA user_version"));
        Assert.Equal(1L, Scalar(node.DatabasePath, "SELECT count(*) FROM audit_records"));
    }

    [Fact]
    public async Task A_database_that_has_tables_but_no_version_is_refused()
    {
        await using var node = await AuditTestNode.StartAsync();
        var strayPath = Path.Combine(node.Directory, "stray.db");
        using (var connection = Connect(strayPath))
        {
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE notes (text TEXT)";
            create.ExecuteNonQuery();
        }

        var refused = Assert.Throws<InvalidOperationException>(() => AuditTrail.Open(strayPath, node.Ledger));

        Assert.Contains("schema version 0", refused.Message, StringComparison.Ordinal);
    }

    private static SqliteConnection Connect(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        return connection;
    }

    private static long Scalar(string path, string sql)
    {
        using var connection = Connect(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
