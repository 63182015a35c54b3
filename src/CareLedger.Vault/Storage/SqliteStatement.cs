using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CareLedger.Vault.Storage;

/// <summary>
/// One statement prepared on the SQLite writer's own handle and bound by position through SQLitePCLRaw, the library
/// Microsoft.Data.Sqlite itself calls: for the statements a stage runs per resource and the search tables' rows, of which
/// it writes about seventeen per resource.
/// Through <see cref="Microsoft.Data.Sqlite.SqliteCommand"/> every execution looked each parameter up by name in the
/// statement (<c>sqlite3_bind_parameter_index</c>, a UTF-8 copy of the name and a linear search), boxed its value and
/// chose a binder by its type; here a value goes straight to <c>sqlite3_bind_*</c>, text through one reused UTF-8 buffer.
/// Runs inside the writer's current transaction (the same connection); reset after every execution, so a failed
/// statement leaves nothing pending when the transaction rolls back. Not thread-safe: the writer's, under its lock.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private const int SqliteRow = 100;
    private const int SqliteDone = 101;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private byte[] _text = new byte[256];

    public SqliteStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The vault's SQLite writer is not open.");
        var rc = raw.sqlite3_prepare_v2(_db, sql, out var statement);
        if (rc != raw.SQLITE_OK)
        {
            statement?.Dispose();
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        _statement = statement!;

        ParameterCount = raw.sqlite3_bind_parameter_count(_statement);
    }

    /// <summary>The statement's parameters, numbered 1 to this.</summary>
    public int ParameterCount { get; }

    public void Bind(int position, long value) => Check(raw.sqlite3_bind_int64(_statement, position, value));

    public void Bind(int position, long? value) =>
        Check(value is { } v ? raw.sqlite3_bind_int64(_statement, position, v) : raw.sqlite3_bind_null(_statement, position));

    public void Bind(int position, double? value) =>
        Check(value is { } v ? raw.sqlite3_bind_double(_statement, position, v) : raw.sqlite3_bind_null(_statement, position));

    public void Bind(int position, string? value)
    {
        if (value is null)
        {
            Check(raw.sqlite3_bind_null(_statement, position));
            return;
        }

        var bytes = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (bytes > _text.Length)
        {
            _text = new byte[Math.Max(bytes, _text.Length * 2)];
        }

        var length = Encoding.UTF8.GetBytes(value, _text);
        // SQLitePCLRaw binds a span with SQLITE_TRANSIENT: SQLite copies the bytes, so the buffer is free for the next value.
        Check(raw.sqlite3_bind_text(_statement, position, _text.AsSpan(0, length)));
    }

    public void Bind(int position, byte[]? value) =>
        Check(value is null ? raw.sqlite3_bind_null(_statement, position) : raw.sqlite3_bind_blob(_statement, position, value.AsSpan()));

    /// <summary>Runs the statement with the values bound (an INSERT without RETURNING) and resets it.</summary>
    public void Execute()
    {
        _ = Step();
        Reset();
    }

    /// <summary>Runs the statement and returns the first column of its first row as an integer (null: no row), then resets it.</summary>
    public long? ExecuteInt64()
    {
        try
        {
            return Step() ? Int64(0) : null;
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>The next row: true if there is one (read it with <see cref="Int64"/>); call <see cref="Reset"/> when done.</summary>
    public bool Step()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc is not SqliteDone and not SqliteRow)
        {
            try
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
            finally
            {
                _ = raw.sqlite3_reset(_statement);
            }
        }

        return rc == SqliteRow;
    }

    /// <summary>An integer column of the current row.</summary>
    public long Int64(int column) => raw.sqlite3_column_int64(_statement, column);

    public void Reset() => Check(raw.sqlite3_reset(_statement));

    public void Dispose() => _statement.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
