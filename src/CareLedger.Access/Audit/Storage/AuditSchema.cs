using System.Globalization;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Audit.Storage;

/// <summary>
/// The tables of <c>DATA/audit.db</c>, schema version 2. <c>audit_records</c> keeps each record's opening — the 32-byte
/// salt followed by the canonical record bytes, whose SHA-256 is the record's commitment — beside the few columns that
/// queries filter on (copies of fields of the bytes). A record's row id is its place: batch number × 65,536 + leaf
/// index, so a batch's records are one row-id range in batch order and need no index of their own.
/// <c>audit_batches</c> keeps each batch's commitments (the leaf entries of its Merkle tree, 32 bytes each, in order:
/// they outlive an erasure), its root and its signed anchor transaction, stored before submission so that a batch
/// interrupted by a crash is anchored again with the very same transaction (the ledger applies it once).
/// </summary>
internal static class AuditSchema
{
    public const int Version = 2;

    /// <summary>The factor of a record's place: at most this many records per batch (<see cref="AuditTrailOptions.MaxBatch"/>).</summary>
    public const long PlacesPerBatch = 65_536;

    private const string Tables = """
        CREATE TABLE audit_batches (
            number      INTEGER PRIMARY KEY,
            size        INTEGER NOT NULL,
            commitments BLOB    NOT NULL,
            root        BLOB    NOT NULL,
            tx_id       BLOB    NOT NULL,
            tx          BLOB    NOT NULL,
            leaf        INTEGER NULL,
            written_ms  INTEGER NOT NULL
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
        CREATE INDEX audit_records_by_patient ON audit_records(patient, time_ms) WHERE patient IS NOT NULL;
        CREATE INDEX audit_records_by_accessor ON audit_records(accessor, time_ms);
        CREATE INDEX audit_records_by_time ON audit_records(time_ms);
        CREATE INDEX audit_records_break_glass ON audit_records(time_ms) WHERE break_glass = 1;
        CREATE INDEX audit_batches_unanchored ON audit_batches(number) WHERE leaf IS NULL;
        """;

    /// <summary>Creates the tables in a new database; refuses, by version, a database this node cannot read.</summary>
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

            if (found != 0 || HasTables(connection, transaction))
            {
                throw new InvalidOperationException(
                    $"the audit database '{connection.DataSource}' has schema version {found}; this node reads only version {Version} and does not migrate older audit databases");
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
