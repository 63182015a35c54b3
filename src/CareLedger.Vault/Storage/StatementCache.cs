using System.Data.Common;
using CareLedger.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CareLedger.Vault.Storage;

/// <summary>
/// One session with its commands, keyed by SQL text, so hot statements are compiled once per session (prepared
/// explicitly on SQLite, by the driver after their second use on PostgreSQL). Not thread-safe: a cache belongs to the
/// writer (under its lock) or to one rented reader.
/// </summary>
internal sealed class StatementCache : IDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SqliteStatement> _sqliteStatements = new(StringComparer.Ordinal);
    private readonly VaultDatabase _database;
    private DbTransaction? _transaction;

    public StatementCache(DbConnection connection, VaultDatabase database)
    {
        Connection = connection;
        _database = database;
    }

    public DbConnection Connection { get; }

    /// <summary>The vault's writer session: on PostgreSQL it holds the vault's advisory lock, released as it closes.</summary>
    public bool HoldsStoreLock { get; init; }

    /// <summary>Runs <paramref name="work"/> in one transaction (a write, or with <paramref name="snapshot"/> a read of one
    /// snapshot), committing on success.</summary>
    public T InTransaction<T>(Func<T> work, bool snapshot = false)
    {
        using var transaction = snapshot ? _database.BeginSnapshot(Connection) : _database.BeginWrite(Connection);
        _transaction = transaction;
        try
        {
            var result = work();
            transaction.Commit();
            if (!snapshot)
            {
                _database.Committed();
            }

            return result;
        }
        finally
        {
            _transaction = null;
        }
    }

    /// <summary>
    /// The prepared command for <paramref name="sql"/>, enlisted in the current transaction. Its parameters are kept
    /// between uses and only their values change (<see cref="CommandExtensions"/>): Npgsql's automatic preparation binds
    /// stale values if an auto-prepared command's parameters are cleared and added again.
    /// </summary>
    public DbCommand Get(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            command.Transaction = _transaction;
            if (_database.PreparesCommands)
            {
                command.Prepare();
            }

            _commands[sql] = command;
        }

        command.Transaction = _transaction;
        return command;
    }

    /// <summary>
    /// On SQLite, <paramref name="sql"/> prepared on the connection's handle and bound by position
    /// (<see cref="SqliteStatement"/>); it runs in the current transaction like any command. Null on PostgreSQL: use
    /// <see cref="Get"/>.
    /// </summary>
    public SqliteStatement? GetSqlite(string sql)
    {
        if (Connection is not SqliteConnection sqlite)
        {
            return null;
        }

        if (!_sqliteStatements.TryGetValue(sql, out var statement))
        {
            statement = new SqliteStatement(sqlite, sql);
            _sqliteStatements[sql] = statement;
        }

        return statement;
    }

    /// <summary>A one-off command (dynamic SQL), enlisted in the current transaction; the caller disposes it.</summary>
    public DbCommand CreateAdHoc(string sql)
    {
        var command = Connection.CreateCommand();
#pragma warning disable CA2100 // Dynamic SQL is built from fixed fragments; every value is a bound parameter.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = _transaction;
        return command;
    }

    /// <summary>After a shred or a re-wrap, outside any transaction (writer only).</summary>
    public bool ForgetDeletedRows() => _database.ForgetDeletedRows(Connection);

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        foreach (var statement in _sqliteStatements.Values)
        {
            statement.Dispose();
        }

        _sqliteStatements.Clear();
        if (HoldsStoreLock && Connection is NpgsqlConnection session)
        {
            // Releases the vault's advisory lock before the close returns (a vault reopened at once is not refused).
            PostgresSessions.CloseWriter(session);
        }
        else
        {
            Connection.Dispose();
        }
    }
}
