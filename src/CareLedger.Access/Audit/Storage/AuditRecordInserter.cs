using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CareLedger.Access.Audit.Storage;

/// <summary>
/// The one statement the batch loop runs per record, prepared once for the trail's lifetime and bound by position
/// straight from spans: the ADO.NET command would look every parameter up by name and copy every value on each
/// execution, which cost more than the rest of a record's work together. Runs inside the writer's open transaction.
/// </summary>
internal sealed class AuditRecordInserter : IDisposable
{
    private const string Sql = """
        INSERT INTO audit_records (place, id, time_ms, patient, accessor, outcome, action, break_glass, opening)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
        ON CONFLICT (id) DO NOTHING
        """;

    private readonly sqlite3 database;
    private readonly sqlite3_stmt statement;

    public AuditRecordInserter(SqliteConnection writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        database = writer.Handle ?? throw new InvalidOperationException("the audit database is not open");
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(database, Sql, out statement), database);
    }

    /// <summary>Inserts the record at <paramref name="place"/>; false when a record with its id is already kept.</summary>
    public bool TryInsert(long place, AuditRecord record, string outcome, string action, ReadOnlySpan<byte> opening)
    {
        Span<byte> id = stackalloc byte[16];
        record.Id.TryWriteBytes(id, bigEndian: true, out _);
        try
        {
            Check(raw.sqlite3_bind_int64(statement, 1, place));
            Check(raw.sqlite3_bind_blob(statement, 2, id));
            Check(raw.sqlite3_bind_int64(statement, 3, record.Time.ToUnixTimeMilliseconds()));
            Check(record.Patient is null ? raw.sqlite3_bind_null(statement, 4) : raw.sqlite3_bind_blob(statement, 4, record.Patient));
            Check(raw.sqlite3_bind_text16(statement, 5, record.AccessorSubject));
            Check(raw.sqlite3_bind_text16(statement, 6, outcome));
            Check(raw.sqlite3_bind_text16(statement, 7, action));
            Check(raw.sqlite3_bind_int(statement, 8, record.BreakGlass ? 1 : 0));
            Check(raw.sqlite3_bind_blob(statement, 9, opening));
            var stepped = raw.sqlite3_step(statement);
            if (stepped != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(stepped, database);
                throw new SqliteException($"inserting an audit record returned SQLite code {stepped}", stepped);
            }

            return raw.sqlite3_changes(database) == 1;
        }
        finally
        {
            // Reset, so that the statement no longer holds the transaction open when the batch commits.
            raw.sqlite3_reset(statement);
        }
    }

    public void Dispose() => statement.Dispose();

    private void Check(int result) => SqliteException.ThrowExceptionForRC(result, database);
}
