using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CareLedger.Access.Audit.Storage;

/// <summary>
/// The batch loop's statements that run once a batch — the transaction's BEGIN and COMMIT, the batch's row, its
/// accessors' time ranges (ADR 0024), and the mark of its anchor with the switch of <c>synchronous</c> around it —
/// prepared once for the trail's lifetime, as <see cref="AuditRecordInserter"/>'s are: through ADO.NET each was parsed and
/// planned again at every batch.
/// </summary>
internal sealed class AuditBatchStatements : IDisposable
{
    private readonly sqlite3 database;
    private readonly List<sqlite3_stmt> prepared = [];
    private readonly sqlite3_stmt insertBatch;
    private readonly sqlite3_stmt normal;
    private readonly sqlite3_stmt markAnchored;
    private readonly sqlite3_stmt full;
    private readonly sqlite3_stmt insertAccessor;
    private readonly sqlite3_stmt begin;
    private readonly sqlite3_stmt commit;
    private readonly sqlite3_stmt rollback;

    public AuditBatchStatements(SqliteConnection writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        database = writer.Handle ?? throw new InvalidOperationException("the audit database is not open");
        try
        {
            insertBatch = Prepare("""
                INSERT INTO audit_batches (number, size, commitments, root, tx_id, tx, leaf, written_ms, min_time_ms, max_time_ms)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?8, ?9)
                """);
            normal = Prepare("PRAGMA synchronous = NORMAL");
            markAnchored = Prepare("UPDATE audit_batches SET leaf = ?1 WHERE number = ?2");
            full = Prepare("PRAGMA synchronous = FULL");
            insertAccessor = Prepare("INSERT INTO audit_batch_accessors (accessor, max_time_ms, number, min_time_ms) VALUES (?1, ?2, ?3, ?4)");
            begin = Prepare("BEGIN IMMEDIATE");
            commit = Prepare("COMMIT");
            rollback = Prepare("ROLLBACK");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the writer's transaction for a batch or a merge (<c>BEGIN IMMEDIATE</c>, as ADO.NET's
    /// <c>BeginTransaction</c>, which also set <c>read_uncommitted</c> and parsed both statements again at every batch).
    /// </summary>
    public void Begin() => Run(begin);

    /// <summary>Commits the writer's transaction (with <c>synchronous = FULL</c>: durable when this returns).</summary>
    public void Commit() => Run(commit);

    /// <summary>Rolls back the writer's transaction if one is open; never throws (called on the way out of a failure).</summary>
    public void RollbackIfOpen()
    {
        if (raw.sqlite3_get_autocommit(database) != 0)
        {
            return;
        }

        raw.sqlite3_step(rollback);
        raw.sqlite3_reset(rollback);
    }

    /// <summary>Inserts the batch's row, inside the writer's open transaction.</summary>
    public void InsertBatch(long number, int size, ReadOnlySpan<byte> commitments, ReadOnlySpan<byte> root, ReadOnlySpan<byte> txId,
        ReadOnlySpan<byte> transaction, long writtenMs, long minTimeMs, long maxTimeMs)
    {
        try
        {
            Check(raw.sqlite3_bind_int64(insertBatch, 1, number));
            Check(raw.sqlite3_bind_int(insertBatch, 2, size));
            Check(raw.sqlite3_bind_blob(insertBatch, 3, commitments));
            Check(raw.sqlite3_bind_blob(insertBatch, 4, root));
            Check(raw.sqlite3_bind_blob(insertBatch, 5, txId));
            Check(raw.sqlite3_bind_blob(insertBatch, 6, transaction));
            Check(raw.sqlite3_bind_int64(insertBatch, 7, writtenMs));
            Check(raw.sqlite3_bind_int64(insertBatch, 8, minTimeMs));
            Check(raw.sqlite3_bind_int64(insertBatch, 9, maxTimeMs));
            Step(insertBatch);
        }
        finally
        {
            raw.sqlite3_reset(insertBatch);
            raw.sqlite3_clear_bindings(insertBatch);
        }
    }

    /// <summary>
    /// Inserts, inside the writer's open transaction, the time range of one accessor's records in the batch (ADR 0024).
    /// </summary>
    public void InsertAccessor(long number, string accessor, long minTimeMs, long maxTimeMs)
    {
        try
        {
            Check(raw.sqlite3_bind_text(insertAccessor, 1, accessor));
            Check(raw.sqlite3_bind_int64(insertAccessor, 2, maxTimeMs));
            Check(raw.sqlite3_bind_int64(insertAccessor, 3, number));
            Check(raw.sqlite3_bind_int64(insertAccessor, 4, minTimeMs));
            Step(insertAccessor);
        }
        finally
        {
            raw.sqlite3_reset(insertAccessor);
            raw.sqlite3_clear_bindings(insertAccessor);
        }
    }

    /// <summary>
    /// Notes the batch's ledger leaf in a commit of its own that does not wait for its fsync (<c>synchronous =
    /// NORMAL</c>, then back to <c>FULL</c> whatever happens): the ledger already holds the anchor durably.
    /// </summary>
    public void MarkAnchored(long number, long leaf)
    {
        try
        {
            Run(normal);
            Check(raw.sqlite3_bind_int64(markAnchored, 1, leaf));
            Check(raw.sqlite3_bind_int64(markAnchored, 2, number));
            Run(markAnchored);
        }
        finally
        {
            Run(full);
        }
    }

    public void Dispose()
    {
        foreach (var statement in prepared)
        {
            statement.Dispose();
        }

        prepared.Clear();
    }

    private sqlite3_stmt Prepare(string sql)
    {
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(database, sql, out var statement), database);
        prepared.Add(statement);
        return statement;
    }

    private void Run(sqlite3_stmt statement)
    {
        try
        {
            Step(statement);
        }
        finally
        {
            raw.sqlite3_reset(statement);
        }
    }

    private void Step(sqlite3_stmt statement)
    {
        var stepped = raw.sqlite3_step(statement);
        if (stepped is not raw.SQLITE_DONE and not raw.SQLITE_ROW)
        {
            SqliteException.ThrowExceptionForRC(stepped, database);
            throw new SqliteException($"an audit batch statement returned SQLite code {stepped}", stepped);
        }
    }

    private void Check(int result) => SqliteException.ThrowExceptionForRC(result, database);
}
