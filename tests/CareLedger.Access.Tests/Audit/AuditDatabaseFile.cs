using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Tests.Audit;

/// <summary>Looks into an audit database file directly, beside the trail, as the schema and index tests check it.</summary>
internal static class AuditDatabaseFile
{
    public static SqliteConnection Connect(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        return connection;
    }

    /// <summary>The one integer <paramref name="sql"/> answers; <paramref name="patient"/> is its parameter $p, if any.</summary>
    public static long Scalar(string path, string sql, byte[]? patient = null)
    {
        using var connection = Connect(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (patient is not null)
        {
            command.Parameters.AddWithValue("$p", patient);
        }

        return (long)command.ExecuteScalar()!;
    }
}
