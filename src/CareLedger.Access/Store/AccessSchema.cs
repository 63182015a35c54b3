using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Store;

/// <summary>
/// The schema of DATA/access.db (version 1). Break-glass reasons are free clinical text and sit only sealed
/// (<see cref="AccessKey"/>); everything else names patients by pseudonym and people by opaque ids and FHIR references.
/// Times are UTC Unix milliseconds.
/// </summary>
internal static class AccessSchema
{
    public const int Version = 1;

    private const string CreateV1 = """
        CREATE TABLE break_glass (
            id BLOB PRIMARY KEY,
            accessor_subject TEXT NOT NULL,
            accessor_reference TEXT,
            patient BLOB NOT NULL,
            opened_unix_ms INTEGER NOT NULL,
            expires_unix_ms INTEGER NOT NULL,
            audit_id BLOB NOT NULL,
            -- AES-256-GCM of salt[32] ‖ UTF-8 reason: the salt of the anchored commitment travels with the reason.
            sealed_reason BLOB NOT NULL) STRICT;
        CREATE INDEX break_glass_by_accessor ON break_glass (accessor_subject, patient, expires_unix_ms);
        CREATE INDEX break_glass_by_patient ON break_glass (patient, opened_unix_ms);
        CREATE INDEX break_glass_by_opening ON break_glass (opened_unix_ms);

        CREATE TABLE notifications (
            id BLOB PRIMARY KEY,
            recipient TEXT NOT NULL,
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            audit_id BLOB NOT NULL,
            created_unix_ms INTEGER NOT NULL,
            read_unix_ms INTEGER) STRICT;
        CREATE INDEX notifications_by_recipient ON notifications (recipient, created_unix_ms);

        -- grant_record / revoke_record are the canonical records whose salted hashes are anchored (DelegationRecordFormat).
        CREATE TABLE delegations (
            id BLOB PRIMARY KEY,
            delegate_reference TEXT NOT NULL,
            patient BLOB NOT NULL,
            grant_record BLOB NOT NULL,
            grant_salt BLOB NOT NULL,
            revoked_unix_ms INTEGER,
            revoke_record BLOB,
            revoke_salt BLOB) STRICT;
        CREATE INDEX delegations_by_delegate ON delegations (delegate_reference, patient);
        CREATE INDEX delegations_by_patient ON delegations (patient);

        -- Signed Anchor transactions, stored before they are submitted so that a retry resubmits the same bytes
        -- (the ledger answers a replay with the earlier result); leaf is set once the ledger holds it.
        CREATE TABLE ledger_anchors (
            tx_id BLOB PRIMARY KEY,
            subject_id BLOB NOT NULL,
            event TEXT NOT NULL,
            signed_tx BLOB NOT NULL,
            leaf INTEGER) STRICT;
        CREATE INDEX ledger_anchors_by_subject ON ledger_anchors (subject_id);
        CREATE INDEX ledger_anchors_pending ON ledger_anchors (leaf) WHERE leaf IS NULL;
        """;

    public static void Apply(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        var version = UserVersion(connection, transaction);
        if (version == Version)
        {
            return;
        }

        if (version != 0)
        {
            throw new InvalidOperationException($"access database has schema version {version}; this build knows only version {Version}");
        }

        using (var create = connection.CreateCommand())
        {
            create.Transaction = transaction;
            create.CommandText = CreateV1 + $"PRAGMA user_version = {Version};";
            create.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static long UserVersion(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version";
        return (long)command.ExecuteScalar()!;
    }
}
