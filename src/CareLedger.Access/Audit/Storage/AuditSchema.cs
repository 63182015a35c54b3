using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Audit.Storage;

/// <summary>
/// The tables of <c>DATA/audit.db</c>. <c>audit_records</c> keeps each record's canonical bytes, salt and commitment
/// (the truth) beside the columns queries filter on (copies of fields of the bytes). <c>audit_batches</c> keeps each
/// batch's Merkle root and its signed anchor transaction, stored before submission so that a batch interrupted by a
/// crash is anchored again with the very same transaction (the ledger applies a repeated transaction once). A batch's
/// records are inserted before the batch row (its root is computed from what was inserted), hence the deferred key.
/// </summary>
internal static class AuditSchema
{
    public const int Version = 1;

    private const string Tables = """
        CREATE TABLE IF NOT EXISTS audit_batches (
            number      INTEGER PRIMARY KEY,
            size        INTEGER NOT NULL,
            root        BLOB    NOT NULL,
            tx_id       BLOB    NOT NULL,
            tx          BLOB    NOT NULL,
            leaf        INTEGER NULL,
            written_ms  INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE IF NOT EXISTS audit_records (
            seq         INTEGER PRIMARY KEY,
            id          BLOB    NOT NULL UNIQUE,
            time_ms     INTEGER NOT NULL,
            patient     BLOB    NULL,
            accessor    TEXT    NOT NULL,
            outcome     TEXT    NOT NULL,
            break_glass INTEGER NOT NULL,
            action      TEXT    NOT NULL,
            record      BLOB    NOT NULL,
            salt        BLOB    NOT NULL,
            commitment  BLOB    NOT NULL,
            batch       INTEGER NOT NULL REFERENCES audit_batches(number) DEFERRABLE INITIALLY DEFERRED,
            idx         INTEGER NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX IF NOT EXISTS audit_records_by_batch ON audit_records(batch, idx);
        CREATE INDEX IF NOT EXISTS audit_records_by_patient ON audit_records(patient, time_ms) WHERE patient IS NOT NULL;
        CREATE INDEX IF NOT EXISTS audit_records_by_accessor ON audit_records(accessor, time_ms);
        CREATE INDEX IF NOT EXISTS audit_records_by_time ON audit_records(time_ms);
        CREATE INDEX IF NOT EXISTS audit_records_break_glass ON audit_records(time_ms) WHERE break_glass = 1;
        CREATE INDEX IF NOT EXISTS audit_batches_unanchored ON audit_batches(number) WHERE leaf IS NULL;
        """;

    public static void Create(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        using (var version = connection.CreateCommand())
        {
            version.Transaction = transaction;
            version.CommandText = "PRAGMA user_version";
            var found = Convert.ToInt64(version.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            if (found > Version)
            {
                throw new InvalidOperationException($"the audit database has schema version {found}; this node knows only up to {Version}");
            }
        }

        AuditDatabase.Execute(connection, Tables, transaction);
        AuditDatabase.Execute(connection, $"PRAGMA user_version = {Version};", transaction);
        transaction.Commit();
    }
}
