using Microsoft.Data.Sqlite;

namespace CareLedger.Vault.Storage;

/// <summary>
/// The vault's schema (version 1), in SQLite and in PostgreSQL: the same tables and columns. In PostgreSQL text is
/// compared and sorted bytewise (COLLATE "C") as in SQLite, and booleans are 0/1 integers in both, so that every
/// statement means the same on either (docs/adr/0006). Nothing here holds plaintext content: records are sealed blobs, patients
/// appear only as keyed hashes and random pseudonyms, sensitive index values and references as blind tokens.
/// </summary>
internal static class VaultSchema
{
    public const int Version = 1;

    private const string CreateV1 = """
        CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT;

        -- One row per encryption compartment: the organisation's (patient_lookup NULL) or one patient's.
        -- patient_lookup = HMAC(patient-lookup secret, patient id); pseudonym = 16 random bytes.
        CREATE TABLE compartments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            patient_lookup BLOB UNIQUE,
            pseudonym BLOB UNIQUE,
            kek_id TEXT NOT NULL,
            wrapped_dek BLOB NOT NULL,
            created_unix_ms INTEGER NOT NULL) STRICT;

        -- current_version is the latest committed version (0 while only a staged first version exists).
        CREATE TABLE resources (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            resource_type TEXT NOT NULL,
            logical_id TEXT NOT NULL,
            compartment_id INTEGER NOT NULL REFERENCES compartments (id),
            current_version INTEGER NOT NULL,
            current_deleted INTEGER NOT NULL,
            last_updated_unix_ms INTEGER NOT NULL,
            UNIQUE (resource_type, logical_id)) STRICT;
        CREATE INDEX resources_by_compartment ON resources (compartment_id);
        CREATE INDEX resources_by_last_updated ON resources (resource_type, last_updated_unix_ms);

        -- Every version, staged (committed = 0, invisible) or committed; id is the staging id.
        CREATE TABLE versions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            resource_id INTEGER NOT NULL REFERENCES resources (id),
            version INTEGER NOT NULL,
            deleted INTEGER NOT NULL,
            last_updated_unix_ms INTEGER NOT NULL,
            format INTEGER NOT NULL,
            nonce BLOB NOT NULL,
            ciphertext BLOB NOT NULL,
            tag BLOB NOT NULL,
            commitment BLOB NOT NULL,
            committed INTEGER NOT NULL,
            tx_id BLOB,
            UNIQUE (resource_id, version)) STRICT;
        CREATE INDEX versions_pending ON versions (committed) WHERE committed = 0;

        -- Index entries of staged versions, moved into the search tables on commit.
        CREATE TABLE staged_index (
            version_id INTEGER NOT NULL REFERENCES versions (id),
            param TEXT NOT NULL,
            kind INTEGER NOT NULL,
            token TEXT,
            number REAL,
            start_ms INTEGER,
            end_ms INTEGER) STRICT;
        CREATE INDEX staged_index_by_version ON staged_index (version_id);

        -- Search index of the current committed, non-deleted version of each resource only.
        CREATE TABLE token_index (
            resource_id INTEGER NOT NULL REFERENCES resources (id),
            resource_type TEXT NOT NULL,
            param TEXT NOT NULL,
            kind INTEGER NOT NULL,
            token TEXT NOT NULL) STRICT;
        CREATE INDEX token_index_lookup ON token_index (resource_type, param, kind, token, resource_id);
        CREATE INDEX token_index_by_resource ON token_index (resource_id, param);

        CREATE TABLE number_index (
            resource_id INTEGER NOT NULL REFERENCES resources (id),
            resource_type TEXT NOT NULL,
            param TEXT NOT NULL,
            value REAL NOT NULL) STRICT;
        CREATE INDEX number_index_lookup ON number_index (resource_type, param, value, resource_id);
        CREATE INDEX number_index_by_resource ON number_index (resource_id, param);

        CREATE TABLE date_index (
            resource_id INTEGER NOT NULL REFERENCES resources (id),
            resource_type TEXT NOT NULL,
            param TEXT NOT NULL,
            start_ms INTEGER NOT NULL,
            end_ms INTEGER NOT NULL) STRICT;
        CREATE INDEX date_index_by_start ON date_index (resource_type, param, start_ms, end_ms, resource_id);
        CREATE INDEX date_index_by_end ON date_index (resource_type, param, end_ms, start_ms, resource_id);
        CREATE INDEX date_index_by_resource ON date_index (resource_id, param);

        -- RecordRefs of shredded resources (already public on the ledger): reads say "erased", the id is never reused.
        CREATE TABLE erased_records (record_ref BLOB PRIMARY KEY) STRICT, WITHOUT ROWID;

        INSERT INTO schema_version (version) VALUES (1);
        """;

    public const string CreatePostgres = """
        CREATE TABLE schema_version (version bigint NOT NULL);

        CREATE TABLE compartments (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            patient_lookup bytea UNIQUE,
            pseudonym bytea UNIQUE,
            kek_id text COLLATE "C" NOT NULL,
            wrapped_dek bytea NOT NULL,
            created_unix_ms bigint NOT NULL);

        CREATE TABLE resources (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            resource_type text COLLATE "C" NOT NULL,
            logical_id text COLLATE "C" NOT NULL,
            compartment_id bigint NOT NULL REFERENCES compartments (id),
            current_version bigint NOT NULL,
            current_deleted bigint NOT NULL,
            last_updated_unix_ms bigint NOT NULL,
            UNIQUE (resource_type, logical_id));
        CREATE INDEX resources_by_compartment ON resources (compartment_id);
        CREATE INDEX resources_by_last_updated ON resources (resource_type, last_updated_unix_ms);

        CREATE TABLE versions (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            resource_id bigint NOT NULL REFERENCES resources (id),
            version bigint NOT NULL,
            deleted bigint NOT NULL,
            last_updated_unix_ms bigint NOT NULL,
            format bigint NOT NULL,
            nonce bytea NOT NULL,
            ciphertext bytea NOT NULL,
            tag bytea NOT NULL,
            commitment bytea NOT NULL,
            committed bigint NOT NULL,
            tx_id bytea,
            UNIQUE (resource_id, version));
        CREATE INDEX versions_pending ON versions (committed) WHERE committed = 0;

        CREATE TABLE staged_index (
            version_id bigint NOT NULL REFERENCES versions (id),
            param text COLLATE "C" NOT NULL,
            kind bigint NOT NULL,
            token text COLLATE "C",
            number double precision,
            start_ms bigint,
            end_ms bigint);
        CREATE INDEX staged_index_by_version ON staged_index (version_id);

        CREATE TABLE token_index (
            resource_id bigint NOT NULL REFERENCES resources (id),
            resource_type text COLLATE "C" NOT NULL,
            param text COLLATE "C" NOT NULL,
            kind bigint NOT NULL,
            token text COLLATE "C" NOT NULL);
        CREATE INDEX token_index_lookup ON token_index (resource_type, param, kind, token, resource_id);
        CREATE INDEX token_index_by_resource ON token_index (resource_id, param);

        CREATE TABLE number_index (
            resource_id bigint NOT NULL REFERENCES resources (id),
            resource_type text COLLATE "C" NOT NULL,
            param text COLLATE "C" NOT NULL,
            value double precision NOT NULL);
        CREATE INDEX number_index_lookup ON number_index (resource_type, param, value, resource_id);
        CREATE INDEX number_index_by_resource ON number_index (resource_id, param);

        CREATE TABLE date_index (
            resource_id bigint NOT NULL REFERENCES resources (id),
            resource_type text COLLATE "C" NOT NULL,
            param text COLLATE "C" NOT NULL,
            start_ms bigint NOT NULL,
            end_ms bigint NOT NULL);
        CREATE INDEX date_index_by_start ON date_index (resource_type, param, start_ms, end_ms, resource_id);
        CREATE INDEX date_index_by_end ON date_index (resource_type, param, end_ms, start_ms, resource_id);
        CREATE INDEX date_index_by_resource ON date_index (resource_id, param);

        CREATE TABLE erased_records (record_ref bytea PRIMARY KEY);

        INSERT INTO schema_version (version) VALUES (1);
        """;

    /// <summary>Creates the schema in an empty database, or checks that an existing one is this version.</summary>
    public static void Ensure(SqliteConnection writer)
    {
        using var transaction = writer.BeginTransaction();
        using var exists = writer.CreateCommand();
        exists.Transaction = transaction;
        exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'";
        if (Convert.ToInt64(exists.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            using var create = writer.CreateCommand();
            create.Transaction = transaction;
            create.CommandText = CreateV1;
            create.ExecuteNonQuery();
            transaction.Commit();
            return;
        }

        using var version = writer.CreateCommand();
        version.Transaction = transaction;
        version.CommandText = "SELECT version FROM schema_version";
        var found = version.ExecuteScalar();
        if (found is not long v || v != Version)
        {
            throw new NotSupportedException(
                $"Vault schema version {found ?? "(none)"} is not the version {Version} that this build reads.");
        }
    }
}
