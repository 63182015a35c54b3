using Microsoft.Data.Sqlite;

namespace CareLedger.Vault.Storage;

/// <summary>
/// One connection with its prepared commands, keyed by SQL text, so hot statements are compiled once per
/// connection. Not thread-safe: a cache belongs to the writer (under its lock) or to one rented reader.
/// </summary>
internal sealed class StatementCache : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private SqliteTransaction? _transaction;

    public StatementCache(SqliteConnection connection) => Connection = connection;

    public SqliteConnection Connection { get; }

    /// <summary>Runs <paramref name="work"/> in one transaction (BEGIN IMMEDIATE unless deferred), committing on success.</summary>
    public T InTransaction<T>(Func<T> work, bool deferred = false)
    {
        using var transaction = Connection.BeginTransaction(deferred);
        _transaction = transaction;
        try
        {
            var result = work();
            transaction.Commit();
            return result;
        }
        finally
        {
            _transaction = null;
        }
    }

    /// <summary>The prepared command for <paramref name="sql"/>, enlisted in the current transaction, parameters cleared.</summary>
    public SqliteCommand Get(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            command.Transaction = _transaction;
            command.Prepare();
            _commands[sql] = command;
        }

        command.Transaction = _transaction;
        command.Parameters.Clear();
        return command;
    }

    /// <summary>A one-off command (dynamic SQL), enlisted in the current transaction; the caller disposes it.</summary>
    public SqliteCommand CreateAdHoc(string sql)
    {
        var command = Connection.CreateCommand();
#pragma warning disable CA2100 // Dynamic SQL is built from fixed fragments; every value is a bound parameter.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = _transaction;
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        Connection.Dispose();
    }
}
