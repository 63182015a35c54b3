using System.Globalization;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Audit.Storage;

/// <summary>
/// The tables of <c>DATA/audit.db</c>, schema version 5. <c>audit_records</c> keeps each record's opening — the 32-byte
/// salt followed by the canonical record bytes, whose SHA-256 is the record's commitment — beside the few columns that
/// queries filter on (copies of fields of the bytes). A record's row id is its place: batch number × 65,536 + leaf
/// index, so a batch's records are one row-id range in batch order and need no index of their own.
/// <c>audit_batches</c> keeps each batch's commitments (the leaf entries of its Merkle tree, 32 bytes each, in order:
/// they outlive an erasure), its root and its signed anchor transaction, stored before submission so that a batch
/// interrupted by a crash is anchored again with the very same transaction (the ledger applies it once).
/// <para>
/// The patient index (ADR 0018) is a table of its own, <c>audit_patient_index</c> (patient, time, place), filled by a
/// merge every few thousand records rather than by each batch: a batch's records, read by a few hundred patients,
/// would otherwise land on as many leaf pages of a patient index, each a WAL frame at every commit. The records at or
/// beyond <c>audit_patient_merge.merged_below</c> (a place) are not in it yet; every query by patient reads that
/// unmerged tail of <c>audit_records</c> (a range of row ids) beside the index, so that answers do not depend on when
/// the merge ran. Version 2 (the patient index an index of <c>audit_records</c>) is migrated on open.
/// </para>
/// <para>
/// Version 4 (ADR 0022): <c>audit_records</c> has no index by time. Each batch keeps the range of its records' times
/// (<c>min_time_ms</c>, <c>max_time_ms</c>, indexed), and a query by time alone reads the batches whose range reaches
/// the newest candidates, by place. Version 3 is migrated on open.
/// </para>
/// <para>
/// Version 5 (ADR 0024): nor by accessor. Each batch keeps, per accessor among its records, the range of that accessor's
/// times (<c>audit_batch_accessors</c>): a row per accessor a batch instead of an index entry a record. A query by
/// accessor reads, as a query by time alone does, the batches whose range reaches the newest candidates, by place. The
/// partial index of break-glass records stays (an entry for one record in hundreds). Version 4 is migrated on open (2
/// and 3 through it).
/// </para>
/// </summary>
internal static class AuditSchema
{
    public const int Version = 5;

    /// <summary>The factor of a record's place: at most this many records per batch (<see cref="AuditTrailOptions.MaxBatch"/>).</summary>
    public const long PlacesPerBatch = 65_536;

    // The tables of ADR 0018, written once for a new database and for the migration from version 2.
    private const string PatientIndexTable = """
        CREATE TABLE audit_patient_index (
            patient     BLOB    NOT NULL,
            time_ms     INTEGER NOT NULL,
            place       INTEGER NOT NULL,
            PRIMARY KEY (patient, time_ms, place)
        ) STRICT, WITHOUT ROWID;
        """;

    private const string PatientMergeTable = """
        CREATE TABLE audit_patient_merge (
            id          INTEGER PRIMARY KEY CHECK (id = 0),
            merged_below INTEGER NOT NULL
        ) STRICT;
        """;

    private const string PatientIndexTables = PatientIndexTable + "\n" + PatientMergeTable;

    // ADR 0022: a batch's time range, indexed (covering: both bounds), replaces the index of audit_records by time.
    private const string BatchesByTime = "CREATE INDEX audit_batches_by_time ON audit_batches(max_time_ms, min_time_ms);";

    // ADR 0024: per batch, the time range of each accessor's records.
    private const string BatchKeyTables = """
        CREATE TABLE audit_batch_accessors (
            accessor    TEXT    NOT NULL,
            max_time_ms INTEGER NOT NULL,
            number      INTEGER NOT NULL,
            min_time_ms INTEGER NOT NULL,
            PRIMARY KEY (accessor, max_time_ms, number)
        ) STRICT, WITHOUT ROWID;
        """;

    private const string Tables = $$"""
        CREATE TABLE audit_batches (
            number      INTEGER PRIMARY KEY,
            size        INTEGER NOT NULL,
            commitments BLOB    NOT NULL,
            root        BLOB    NOT NULL,
            tx_id       BLOB    NOT NULL,
            tx          BLOB    NOT NULL,
            leaf        INTEGER NULL,
            written_ms  INTEGER NOT NULL,
            min_time_ms INTEGER NOT NULL DEFAULT 0,
            max_time_ms INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE TABLE audit_records (
            place       INTEGER PRIMARY KEY,
            id          BLOB    NOT NULL UNIQUE,
            time_ms     INTEGER NOT NULL,
            patient     BLOB    NULL,
            accessor    TEXT    NOT NULL,
            outcome     TEXT    NOT NULL,
            action      TEXT    NOT NULL,
            break_glass INTEGER NOT NULL,
            opening     BLOB    NOT NULL
        ) STRICT;
        {{PatientIndexTables}}
        INSERT INTO audit_patient_merge (id, merged_below) VALUES (0, 0);
        {{BatchKeyTables}}
        CREATE INDEX audit_records_break_glass ON audit_records(time_ms) WHERE break_glass = 1;
        CREATE INDEX audit_batches_unanchored ON audit_batches(number) WHERE leaf IS NULL;
        {{BatchesByTime}}
        """;

    /// <summary>
    /// Version 2 → 3 (ADR 0018): the patient index moves out of <c>audit_records</c> into <c>audit_patient_index</c>,
    /// with every kept record merged (an erased record's patient is null and stays out), and the index of version 2 is
    /// dropped. One transaction: a crash leaves version 2 as it was.
    /// </summary>
    private const string FromVersion2 = $$"""
        {{PatientIndexTable}}
        INSERT INTO audit_patient_index (patient, time_ms, place)
            SELECT patient, time_ms, place FROM audit_records WHERE patient IS NOT NULL ORDER BY patient, time_ms, place;
        {{PatientMergeTable}}
        INSERT INTO audit_patient_merge (id, merged_below) VALUES (0, (SELECT COALESCE(MAX(place), -1) + 1 FROM audit_records));
        DROP INDEX audit_records_by_patient;
        """;

    /// <summary>
    /// Version 3 → 4 (ADR 0022): every batch gets the range of its records' times (read from <c>audit_records</c>, whose
    /// times an erasure keeps), indexed, and the index of <c>audit_records</c> by time is dropped. One transaction.
    /// </summary>
    private const string FromVersion3 = $$"""
        ALTER TABLE audit_batches ADD COLUMN min_time_ms INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE audit_batches ADD COLUMN max_time_ms INTEGER NOT NULL DEFAULT 0;
        UPDATE audit_batches SET
            min_time_ms = COALESCE((SELECT min(time_ms) FROM audit_records WHERE place >= number * 65536 AND place < (number + 1) * 65536), 0),
            max_time_ms = COALESCE((SELECT max(time_ms) FROM audit_records WHERE place >= number * 65536 AND place < (number + 1) * 65536), 0);
        {{BatchesByTime}}
        DROP INDEX audit_records_by_time;
        """;

    /// <summary>
    /// Version 4 → 5 (ADR 0024): every batch gets the time ranges of its accessors' records (read from
    /// <c>audit_records</c>, whose accessors and times an erasure keeps), and the index of <c>audit_records</c> by
    /// accessor is dropped. One transaction.
    /// </summary>
    private const string FromVersion4 = $$"""
        {{BatchKeyTables}}
        INSERT INTO audit_batch_accessors (accessor, max_time_ms, number, min_time_ms)
            SELECT accessor, max(time_ms), place / 65536, min(time_ms) FROM audit_records GROUP BY place / 65536, accessor;
        DROP INDEX audit_records_by_accessor;
        """;

    /// <summary>
    /// Creates the tables in a new database, migrates a version 2, 3 or 4 database, refuses by version a database this node
    /// cannot read.
    /// </summary>
    /// <exception cref="InvalidOperationException">The database has another schema version (no migration exists).</exception>
    public static void Create(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        using (var version = connection.CreateCommand())
        {
            version.Transaction = transaction;
            version.CommandText = "PRAGMA user_version";
            var found = Convert.ToInt64(version.ExecuteScalar(), CultureInfo.InvariantCulture);
            if (found == Version)
            {
                return;
            }

            if (found is 2 or 3 or 4)
            {
                if (found == 2)
                {
                    AuditDatabase.Execute(connection, FromVersion2, transaction);
                }

                if (found <= 3)
                {
                    AuditDatabase.Execute(connection, FromVersion3, transaction);
                }

                AuditDatabase.Execute(connection, FromVersion4, transaction);
                AuditDatabase.Execute(connection, $"PRAGMA user_version = {Version};", transaction);
                transaction.Commit();
                return;
            }

            if (found != 0 || HasTables(connection, transaction))
            {
                throw new InvalidOperationException(
                    $"the audit database '{connection.DataSource}' has schema version {found}; this node reads version {Version} and migrates only versions 2, 3 and 4");
            }
        }

        AuditDatabase.Execute(connection, Tables, transaction);
        AuditDatabase.Execute(connection, $"PRAGMA user_version = {Version};", transaction);
        transaction.Commit();
    }

    private static bool HasTables(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var tables = connection.CreateCommand();
        tables.Transaction = transaction;
        tables.CommandText = "SELECT count(*) FROM sqlite_schema WHERE type = 'table'";
        return Convert.ToInt64(tables.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }
}
