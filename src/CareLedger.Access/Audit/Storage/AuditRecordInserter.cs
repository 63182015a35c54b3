using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CareLedger.Access.Audit.Storage;

/// <summary>
/// The statements the batch loop runs to insert records, prepared once for the trail's lifetime and bound by position
/// straight from spans: the ADO.NET command would look every parameter up by name and copy every value on each
/// execution, which cost more than the rest of a record's work together. A batch goes in
/// <see cref="RowsPerStatement"/> rows per statement (one execution opens the table's and its indexes' cursors once
/// for all of them), the rest one row at a time. Runs inside the writer's open transaction.
/// </summary>
internal sealed class AuditRecordInserter : IDisposable
{
    /// <summary>Rows of one multi-row insert: 9 parameters each, well under SQLite's limit of 32,766.</summary>
    public const int RowsPerStatement = 64;

    private const int ParametersPerRow = 9;
    private const string Columns = "INSERT INTO audit_records (place, id, time_ms, patient, accessor, outcome, action, break_glass, opening) VALUES ";

    private readonly sqlite3 database;
    private readonly sqlite3_stmt single;
    private readonly sqlite3_stmt many;

    public AuditRecordInserter(SqliteConnection writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        database = writer.Handle ?? throw new InvalidOperationException("the audit database is not open");
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(database, Columns + Row(0) + " ON CONFLICT (id) DO NOTHING", out single), database);
        try
        {
            SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(database, ManyRows(), out many), database);
        }
        catch
        {
            single.Dispose();
            throw;
        }
    }

    /// <summary>Inserts the record at <paramref name="place"/>; false when a record with its id is already kept.</summary>
    public bool TryInsert(long place, EncodedRecord record, string outcome, string action, ReadOnlySpan<byte> opening)
    {
        try
        {
            Bind(single, 0, place, record, outcome, action, opening);
            Step(single);
            return raw.sqlite3_changes(database) == 1;
        }
        finally
        {
            // Reset, so that the statement no longer holds the transaction open when the batch commits.
            raw.sqlite3_reset(single);
        }
    }

    /// <summary>
    /// Binds row <paramref name="row"/> (0 to <see cref="RowsPerStatement"/> − 1) of the next multi-row insert. SQLite
    /// copies every value, so the opening's buffer may be reused at once.
    /// </summary>
    public void BindRow(int row, long place, EncodedRecord record, string outcome, string action, ReadOnlySpan<byte> opening)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, RowsPerStatement);
        Bind(many, row * ParametersPerRow, place, record, outcome, action, opening);
    }

    /// <summary>
    /// Inserts the <see cref="RowsPerStatement"/> bound rows, all or none: false, with nothing inserted, when one of their
    /// ids is already kept or repeated among them (the caller then inserts them one by one, keeping the first).
    /// </summary>
    public bool TryInsertRows()
    {
        try
        {
            var stepped = raw.sqlite3_step(many);
            if (stepped == raw.SQLITE_DONE)
            {
                return true;
            }

            // A failing statement of an open transaction is undone on its own (the default ABORT of a constraint).
            if (stepped == raw.SQLITE_CONSTRAINT && raw.sqlite3_extended_errcode(database) == raw.SQLITE_CONSTRAINT_UNIQUE)
            {
                return false;
            }

            SqliteException.ThrowExceptionForRC(stepped, database);
            throw new SqliteException($"inserting audit records returned SQLite code {stepped}", stepped);
        }
        finally
        {
            raw.sqlite3_reset(many);
        }
    }

    public void Dispose()
    {
        many.Dispose();
        single.Dispose();
    }

    private static string Row(int row)
    {
        var first = row * ParametersPerRow;
        return "(" + string.Join(", ", Enumerable.Range(first + 1, ParametersPerRow).Select(n => "?" + n.ToString(CultureInfo.InvariantCulture))) + ")";
    }

    private static string ManyRows()
    {
        var sql = new StringBuilder(Columns);
        for (var row = 0; row < RowsPerStatement; row++)
        {
            sql.Append(row == 0 ? "" : ", ").Append(Row(row));
        }

        return sql.ToString();
    }

    private void Bind(sqlite3_stmt statement, int first, long place, EncodedRecord record, string outcome, string action, ReadOnlySpan<byte> opening)
    {
        Span<byte> id = stackalloc byte[16];
        record.Id.TryWriteBytes(id, bigEndian: true, out _);
        Check(raw.sqlite3_bind_int64(statement, first + 1, place));
        Check(raw.sqlite3_bind_blob(statement, first + 2, id));
        Check(raw.sqlite3_bind_int64(statement, first + 3, record.TimeMs));
        Check(record.HasPatient ? raw.sqlite3_bind_blob(statement, first + 4, record.Patient) : raw.sqlite3_bind_null(statement, first + 4));
        BindText(statement, first + 5, record.AccessorSubject);
        BindText(statement, first + 6, outcome);
        BindText(statement, first + 7, action);
        Check(raw.sqlite3_bind_int(statement, first + 8, record.BreakGlass ? 1 : 0));
        Check(raw.sqlite3_bind_blob(statement, first + 9, opening));
    }

    /// <summary>
    /// Binds text as UTF-8, the database's encoding, from the stack: bound as UTF-16, SQLite allocated and translated
    /// every value again when it built the row. Text longer than the stack buffer is bound as UTF-16.
    /// </summary>
    private void BindText(sqlite3_stmt statement, int index, string text)
    {
        const int stackBytes = 512;
        if (text.Length > stackBytes / 3)
        {
            Check(raw.sqlite3_bind_text16(statement, index, text));
            return;
        }

        Span<byte> utf8 = stackalloc byte[stackBytes];
        var length = Encoding.UTF8.GetBytes(text, utf8);
        Check(raw.sqlite3_bind_text(statement, index, utf8[..length]));
    }

    private void Step(sqlite3_stmt statement)
    {
        var stepped = raw.sqlite3_step(statement);
        if (stepped != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(stepped, database);
            throw new SqliteException($"inserting an audit record returned SQLite code {stepped}", stepped);
        }
    }

    private void Check(int result) => SqliteException.ThrowExceptionForRC(result, database);
}
