using System.Globalization;
using System.Text;
using CareLedger.Access.Audit.Format;
using CareLedger.Access.Audit.Receipts;
using CareLedger.Ledger.Transactions;
using CareLedger.Access.Audit.Storage;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Audit;

public sealed partial class AuditTrail
{
    /// <summary>A record's batch is its place divided by <see cref="AuditSchema.PlacesPerBatch"/>, its index the remainder.</summary>
    private const string EntryColumns = """
        SELECT r.opening, r.place, b.tx_id, b.leaf
        FROM audit_records r JOIN audit_batches b ON b.number = r.place / 65536
        """;

    /// <summary>"Who accessed my data, when, why": the patient's records, newest first (written ones; queued ones are not yet visible).</summary>
    public IReadOnlyList<AuditEntry> ForPatient(byte[] pseudonym, DateTimeOffset? since, int limit)
    {
        ArgumentNullException.ThrowIfNull(pseudonym);
        if (pseudonym.Length != AuditRecordCodec.PseudonymLength)
        {
            throw new ArgumentException($"a patient pseudonym is {AuditRecordCodec.PseudonymLength} bytes, not {pseudonym.Length}", nameof(pseudonym));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, AuditQuery.MaxLimit);
        return Query(new AuditQuery { Patient = pseudonym, From = since, Limit = limit });
    }

    /// <summary>The written records that match every criterion set in <paramref name="q"/>, newest first.</summary>
    public IReadOnlyList<AuditEntry> Query(AuditQuery q)
    {
        ArgumentNullException.ThrowIfNull(q);
        if (q.Patient is { Length: not AuditRecordCodec.PseudonymLength })
        {
            throw new ArgumentException($"a patient pseudonym is {AuditRecordCodec.PseudonymLength} bytes, not {q.Patient.Length}", nameof(q));
        }

        if (q.Limit < 1 || q.Limit > AuditQuery.MaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(q), q.Limit, $"the limit must be 1 to {AuditQuery.MaxLimit}");
        }

        return Read(command =>
        {
            // Forgotten records (an erased patient's) keep only their commitment and are never listed.
            var filters = new StringBuilder(" AND length(r.opening) > 0", 256);
            if (q.AccessorSubject is not null)
            {
                filters.Append(" AND r.accessor = $accessor");
                command.Parameters.AddWithValue("$accessor", q.AccessorSubject);
            }

            if (q.Outcome is { } outcome)
            {
                filters.Append(" AND r.outcome = $outcome");
                command.Parameters.AddWithValue("$outcome", AuditWireNames.ToName(outcome));
            }

            if (q.BreakGlass is { } breakGlass)
            {
                // A literal, so that the partial index of break-glass records can serve the query.
                filters.Append(breakGlass ? " AND r.break_glass = 1" : " AND r.break_glass = 0");
            }

            if (q.Action is { } action)
            {
                filters.Append(" AND r.action = $action");
                command.Parameters.AddWithValue("$action", AuditWireNames.ToName(action));
            }

            if (q.From is { } from)
            {
                command.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
            }

            if (q.To is { } to)
            {
                command.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
            }

            if (q.Patient is null && q.AccessorSubject is null && q.BreakGlass == true)
            {
                // Break-glass review: the partial index audit_records_break_glass (one record in hundreds).
                command.CommandText = new StringBuilder(EntryColumns).Append(" WHERE ").Append(filters.ToString(" AND ".Length, filters.Length - " AND ".Length)).Append(Period(q, "r"))
                    .Append(CultureInfo.InvariantCulture, $" ORDER BY r.time_ms DESC, r.place DESC LIMIT {q.Limit}").ToString();
                return ReadEntries(command);
            }

            if (q.Patient is null)
            {
                // By time alone (ADR 0022) or by accessor (ADR 0024): batch by batch, through the time ranges each batch
                // keeps of all its records and of each accessor's.
                var (batches, key) = q.AccessorSubject is not null ? ("audit_batch_accessors", " AND t.accessor = $accessor") : ("audit_batches", "");
                return ByTime(command, q, filters.ToString(), batches, key);
            }

            // By patient (ADR 0018): the newest of the patient index and the newest of the unmerged tail, merged by
            // (time, place) and cut at the limit, then their rows read. One statement, so one snapshot: a merge committed
            // meanwhile cannot make a record appear twice or not at all. The two parts carry only place and time, so the
            // tail's scan sorts no record bytes (with one patient every row of the tail matches).
            command.Parameters.AddWithValue("$patient", q.Patient);
            command.CommandText = string.Create(CultureInfo.InvariantCulture, $"""
                SELECT r.opening, r.place, b.tx_id, b.leaf
                FROM (
                    SELECT place, time_ms FROM (
                        SELECT p.place, p.time_ms
                        FROM audit_patient_index p CROSS JOIN audit_records r
                        WHERE p.patient = $patient{Period(q, "p")} AND r.place = p.place{filters}
                        ORDER BY p.time_ms DESC, p.place DESC LIMIT {q.Limit})
                    UNION ALL
                    SELECT place, time_ms FROM (
                        SELECT r.place, r.time_ms
                        FROM audit_records r NOT INDEXED
                        WHERE r.place >= (SELECT merged_below FROM audit_patient_merge WHERE id = 0) AND r.patient = $patient{Period(q, "r")}{filters}
                        ORDER BY r.time_ms DESC, r.place DESC LIMIT {q.Limit})
                    ORDER BY time_ms DESC, place DESC LIMIT {q.Limit}) k
                CROSS JOIN audit_records r CROSS JOIN audit_batches b
                WHERE r.place = k.place AND b.number = r.place / 65536
                ORDER BY k.time_ms DESC, k.place DESC
                """);
            return ReadEntries(command);
        });
    }

    /// <summary>
    /// A query by time alone (ADR 0022: <c>audit_records</c> has no index by time). Each batch keeps the range of its
    /// records' times; the newest matching records are looked for among the records at or after a bound — the earliest
    /// time of the <c>batches</c> batches whose latest times are the newest — in every batch that reaches the bound, read
    /// by place. When that finds the limit's count, they are the answer: every record left out is older than the bound,
    /// so older than each of them. Otherwise the bound moves back (8 times as many batches), down to the period's start
    /// or to no bound at all. Each attempt is one statement (one snapshot), and its answer does not depend on how the
    /// bound was chosen, only how much it reads. The batches are found through <c>audit_batches_by_time</c>, their records
    /// by row-id range (<c>NOT INDEXED</c>: SQLite would otherwise build an automatic index of the whole table for a filter).
    /// A query by accessor (ADR 0024) is the same over the time ranges that each batch keeps of that accessor's records
    /// (<c>audit_batch_accessors</c>): <paramref name="batches"/>, the rows matching <paramref name="key"/>, keyed by their
    /// latest time.
    /// </summary>
    private static List<AuditEntry> ByTime(SqliteCommand command, AuditQuery q, string filters, string batches, string key)
    {
        var from = q.From?.ToUnixTimeMilliseconds();
        var batchPeriod = key + (q.From is null ? "" : " AND t.max_time_ms >= $from") + (q.To is null ? "" : " AND t.min_time_ms < $to");
        var bound = command.Parameters.Add("$bound", SqliteType.Integer);
        for (var count = 1L; ; count *= 8)
        {
            var earliest = EarliestOfNewestBatches(command, batches, batchPeriod, count);
            var final = earliest is null || (from is { } start && earliest <= start);
            var bounded = final ? "" : " AND t.max_time_ms >= $bound AND r.time_ms >= $bound";
            bound.Value = earliest ?? 0L;
            command.CommandText = string.Create(CultureInfo.InvariantCulture, $"""
                SELECT r.opening, r.place, b.tx_id, b.leaf
                FROM (
                    SELECT r.place, r.time_ms
                    FROM {batches} t CROSS JOIN audit_records r NOT INDEXED
                    WHERE r.place >= t.number * 65536 AND r.place < t.number * 65536 + 65536{bounded}{batchPeriod}{Period(q, "r")}{filters}
                    ORDER BY r.time_ms DESC, r.place DESC LIMIT {q.Limit}) k
                CROSS JOIN audit_records r CROSS JOIN audit_batches b
                WHERE r.place = k.place AND b.number = r.place / 65536
                ORDER BY k.time_ms DESC, k.place DESC
                """);
            var entries = ReadEntries(command);
            if (final || entries.Count == q.Limit)
            {
                return entries;
            }
        }
    }

    /// <summary>
    /// The earliest time of the <paramref name="batches"/> batches (within the period) whose latest times are the newest;
    /// null when there are fewer batches than that (no bound is needed: the whole period is read).
    /// </summary>
    private static long? EarliestOfNewestBatches(SqliteCommand query, string table, string batchPeriod, long batches)
    {
        using var select = query.Connection!.CreateCommand();
        foreach (SqliteParameter parameter in query.Parameters)
        {
            if (parameter.ParameterName is "$from" or "$to" or "$accessor")
            {
                select.Parameters.AddWithValue(parameter.ParameterName, parameter.Value);
            }
        }

        select.Parameters.AddWithValue("$batches", batches);
        select.CommandText = $"""
            SELECT count(*), min(min_time_ms) FROM (
                SELECT t.min_time_ms FROM {table} t WHERE 1{batchPeriod} ORDER BY t.max_time_ms DESC LIMIT $batches)
            """;
        using var row = select.ExecuteReader();
        row.Read();
        return row.GetInt64(0) < batches ? null : row.GetInt64(1);
    }

    /// <summary>The period's conditions on the time column of <paramref name="table"/> (parameters $from and $to).</summary>
    private static string Period(AuditQuery q, string table) =>
        (q.From is null ? "" : $" AND {table}.time_ms >= $from") + (q.To is null ? "" : $" AND {table}.time_ms < $to");

    /// <summary>The record with this id, once written; null when unknown (or still queued).</summary>
    public AuditEntry? Find(Guid id) =>
        Read(command =>
        {
            command.CommandText = EntryColumns + " WHERE r.id = $id AND length(r.opening) > 0";
            command.Parameters.AddWithValue("$id", id.ToByteArray(bigEndian: true));
            return ReadEntries(command) is [var entry] ? entry : null;
        });

    /// <summary>
    /// Everything needed to prove the record offline, or null when the record is unknown, its batch is not anchored
    /// yet, or no ledger checkpoint covers the anchor yet (checkpoints follow within the ledger's checkpoint interval).
    /// </summary>
    public AuditReceipt? GetReceipt(Guid id)
    {
        var stored = Read(command => FindStored(command, id));
        if (stored?.Leaf is not { } leaf)
        {
            return null;
        }

        var (batch, index) = BatchAndIndex(stored.Place);
        if (stored.Commitments.Length != stored.BatchSize * AuditBatchTree.CommitmentLength)
        {
            throw new InvalidOperationException($"audit batch {batch} holds {stored.Commitments.Length} bytes of commitments but was anchored with {stored.BatchSize} records");
        }

        var anchor = ledger.GetReceipt(leaf);
        if (anchor is null)
        {
            return null;
        }

        var opening = stored.Opening.AsSpan();
        return new AuditReceipt(
            opening[AuditBatchTree.SaltLength..].ToArray(),
            opening[..AuditBatchTree.SaltLength].ToArray(),
            batch,
            stored.BatchSize,
            index,
            AuditBatchTree.Path(stored.Commitments, index),
            anchor);
    }

    private static StoredRecord? FindStored(SqliteCommand command, Guid id)
    {
        command.CommandText = """
            SELECT r.opening, r.place, b.size, b.commitments, b.leaf
            FROM audit_records r JOIN audit_batches b ON b.number = r.place / 65536
            WHERE r.id = $id AND length(r.opening) > 0
            """;
        command.Parameters.AddWithValue("$id", id.ToByteArray(bigEndian: true));
        using var rows = command.ExecuteReader();
        return rows.Read()
            ? new StoredRecord(
                rows.GetFieldValue<byte[]>(0),
                rows.GetInt64(1),
                rows.GetInt32(2),
                rows.GetFieldValue<byte[]>(3),
                rows.IsDBNull(4) ? null : rows.GetInt64(4))
            : null;
    }

    private static (long Batch, int Index) BatchAndIndex(long place) =>
        (place / AuditSchema.PlacesPerBatch, (int)(place % AuditSchema.PlacesPerBatch));

    private T Read<T>(Func<SqliteCommand, T> query)
    {
        lock (readLock)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
            using var command = reader.CreateCommand();
            return query(command);
        }
    }

    private static List<AuditEntry> ReadEntries(SqliteCommand command)
    {
        var entries = new List<AuditEntry>();
        using var rows = command.ExecuteReader();
        while (rows.Read())
        {
            var (batch, index) = BatchAndIndex(rows.GetInt64(1));
            entries.Add(new AuditEntry(
                AuditRecordCodec.Decode(rows.GetFieldValue<byte[]>(0).AsMemory(AuditBatchTree.SaltLength)),
                batch,
                index,
                TxId.FromBytes(rows.GetFieldValue<byte[]>(2)),
                rows.IsDBNull(3) ? null : rows.GetInt64(3)));
        }

        return entries;
    }

    /// <param name="Opening">The record's salt ‖ canonical bytes.</param>
    private sealed record StoredRecord(byte[] Opening, long Place, int BatchSize, byte[] Commitments, long? Leaf);
}
