using Microsoft.Data.Sqlite;

namespace CareLedger.Vault.Storage;

/// <summary>
/// The vault's schema (version 2; a version 1 store is migrated when it is opened), in SQLite and in PostgreSQL: the same tables and columns. In PostgreSQL text is
/// compared and sorted bytewise (COLLATE "C") as in SQLite, and booleans are 0/1 integers in both, so that every
/// statement means the same on either (docs/adr/0006). Nothing here holds plaintext content: records are sealed blobs, patients
/// appear only as keyed hashes and random pseudonyms, sensitive index values and references as blind tokens.
/// </summary>
internal static class VaultSchema
{
    public const int Version = 2;

    private const string CreateSqlite = """
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

        -- RecordRefs of shredded resources (already public on the ledger): reads say "erased", the id is never reused.
        CREATE TABLE erased_records (record_ref BLOB PRIMARY KEY) STRICT, WITHOUT ROWID;

        """ + IndexTablesSqlite + """

        INSERT INTO schema_version (version) VALUES (2);
        """;

    /// <summary>
    /// The search tables since schema 2 (ADR 0017): the index of the current committed, non-deleted version of each resource
    /// only, each table clustered by resource (WITHOUT ROWID, its primary key led by resource_id), so that one resource's rows
    /// are adjacent and a new resource's rows are appended at the end; only the lookup indexes are written in value order. The
    /// primary key makes a row unique per resource, so inserts skip a repeated one (ON CONFLICT DO NOTHING): every search asks
    /// whether a resource has a row, never how many.
    /// </summary>
    private const string IndexTablesSqlite = """
        CREATE TABLE token_index (
            resource_id INTEGER NOT NULL REFERENCES resources (id),
            resource_type TEXT NOT NULL,
            param TEXT NOT NULL,
            kind INTEGER NOT NULL,
            token TEXT NOT NULL,
            PRIMARY KEY (resource_id, param, kind, token)) STRICT, WITHOUT ROWID;
        CREATE INDEX token_index_lookup ON token_index (resource_type, param, kind, token, resource_id);

        CREATE TABLE number_index (
            resource_id INTEGER NOT NULL REFERENCES resources (id),
            resource_type TEXT NOT NULL,
            param TEXT NOT NULL,
            value REAL NOT NULL,
            PRIMARY KEY (resource_id, param, value)) STRICT, WITHOUT ROWID;
        CREATE INDEX number_index_lookup ON number_index (resource_type, param, value, resource_id);

        CREATE TABLE date_index (
            resource_id INTEGER NOT NULL REFERENCES resources (id),
            resource_type TEXT NOT NULL,
            param TEXT NOT NULL,
            start_ms INTEGER NOT NULL,
            end_ms INTEGER NOT NULL,
            PRIMARY KEY (resource_id, param, start_ms, end_ms)) STRICT, WITHOUT ROWID;
        CREATE INDEX date_index_by_start ON date_index (resource_type, param, start_ms, end_ms, resource_id);
        CREATE INDEX date_index_by_end ON date_index (resource_type, param, end_ms, start_ms, resource_id);
        """;

    /// <summary>The search tables of schema 1: rowid tables with a third index by resource. Kept for the migration's tests.</summary>
    internal const string IndexTablesSqliteV1 = """
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

        """;

    /// <summary>
    /// Schema 1 → 2 on SQLite, in the transaction that opens the store: each search table rebuilt clustered by resource (a
    /// repeated row of one resource kept once), then its lookup indexes; the staged rows and everything else are unchanged.
    /// </summary>
    private const string MigrateSqliteV1 = """
        ALTER TABLE token_index RENAME TO token_index_v1;
        ALTER TABLE number_index RENAME TO number_index_v1;
        ALTER TABLE date_index RENAME TO date_index_v1;
        DROP INDEX token_index_lookup;
        DROP INDEX token_index_by_resource;
        DROP INDEX number_index_lookup;
        DROP INDEX number_index_by_resource;
        DROP INDEX date_index_by_start;
        DROP INDEX date_index_by_end;
        DROP INDEX date_index_by_resource;

        """ + IndexTablesSqlite + """

        INSERT INTO token_index (resource_id, resource_type, param, kind, token)
            SELECT resource_id, resource_type, param, kind, token FROM token_index_v1 WHERE true ON CONFLICT DO NOTHING;
        INSERT INTO number_index (resource_id, resource_type, param, value)
            SELECT resource_id, resource_type, param, value FROM number_index_v1 WHERE true ON CONFLICT DO NOTHING;
        INSERT INTO date_index (resource_id, resource_type, param, start_ms, end_ms)
            SELECT resource_id, resource_type, param, start_ms, end_ms FROM date_index_v1 WHERE true ON CONFLICT DO NOTHING;
        DROP TABLE token_index_v1;
        DROP TABLE number_index_v1;
        DROP TABLE date_index_v1;
        UPDATE schema_version SET version = 2;
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

        CREATE TABLE erased_records (record_ref bytea PRIMARY KEY);

        """ + IndexTablesPostgres + """

        INSERT INTO schema_version (version) VALUES (2);
        """;

    /// <summary>
    /// The search tables since schema 2 on PostgreSQL: the same columns, primary keys and lookup indexes as on SQLite (ADR
    /// 0006). PostgreSQL's tables are heaps, so the primary key is an index of its own there (it replaces schema 1's index by
    /// resource); the clustering is SQLite's.
    /// </summary>
    private const string IndexTablesPostgres = """
        CREATE TABLE token_index (
            resource_id bigint NOT NULL REFERENCES resources (id),
            resource_type text COLLATE "C" NOT NULL,
            param text COLLATE "C" NOT NULL,
            kind bigint NOT NULL,
            token text COLLATE "C" NOT NULL,
            PRIMARY KEY (resource_id, param, kind, token));
        CREATE INDEX token_index_lookup ON token_index (resource_type, param, kind, token, resource_id);

        CREATE TABLE number_index (
            resource_id bigint NOT NULL REFERENCES resources (id),
            resource_type text COLLATE "C" NOT NULL,
            param text COLLATE "C" NOT NULL,
            value double precision NOT NULL,
            PRIMARY KEY (resource_id, param, value));
        CREATE INDEX number_index_lookup ON number_index (resource_type, param, value, resource_id);

        CREATE TABLE date_index (
            resource_id bigint NOT NULL REFERENCES resources (id),
            resource_type text COLLATE "C" NOT NULL,
            param text COLLATE "C" NOT NULL,
            start_ms bigint NOT NULL,
            end_ms bigint NOT NULL,
            PRIMARY KEY (resource_id, param, start_ms, end_ms));
        CREATE INDEX date_index_by_start ON date_index (resource_type, param, start_ms, end_ms, resource_id);
        CREATE INDEX date_index_by_end ON date_index (resource_type, param, end_ms, start_ms, resource_id);
        """;

    /// <summary>The search tables of schema 1 on PostgreSQL. Kept for the migration's tests.</summary>
    internal const string IndexTablesPostgresV1 = """
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

        """;

    /// <summary>Schema 1 → 2 on PostgreSQL, in the transaction that opens the store: a repeated row of one resource kept once,
    /// the index by resource replaced by the primary key.</summary>
    public const string MigratePostgresV1 = """
        DELETE FROM token_index a USING token_index b WHERE a.ctid > b.ctid
            AND a.resource_id = b.resource_id AND a.param = b.param AND a.kind = b.kind AND a.token = b.token;
        DELETE FROM number_index a USING number_index b WHERE a.ctid > b.ctid
            AND a.resource_id = b.resource_id AND a.param = b.param AND a.value = b.value;
        DELETE FROM date_index a USING date_index b WHERE a.ctid > b.ctid
            AND a.resource_id = b.resource_id AND a.param = b.param AND a.start_ms = b.start_ms AND a.end_ms = b.end_ms;
        DROP INDEX token_index_by_resource;
        DROP INDEX number_index_by_resource;
        DROP INDEX date_index_by_resource;
        ALTER TABLE token_index ADD PRIMARY KEY (resource_id, param, kind, token);
        ALTER TABLE number_index ADD PRIMARY KEY (resource_id, param, value);
        ALTER TABLE date_index ADD PRIMARY KEY (resource_id, param, start_ms, end_ms);
        UPDATE schema_version SET version = 2;
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
            create.CommandText = CreateSqlite;
            create.ExecuteNonQuery();
            transaction.Commit();
            return;
        }

        using var version = writer.CreateCommand();
        version.Transaction = transaction;
        version.CommandText = "SELECT version FROM schema_version";
        var found = version.ExecuteScalar();
        if (found is 1L)
        {
            using var migrate = writer.CreateCommand();
            migrate.Transaction = transaction;
            migrate.CommandText = MigrateSqliteV1;
            migrate.ExecuteNonQuery();
            transaction.Commit();
            return;
        }

        if (found is not long v || v != Version)
        {
            throw new NotSupportedException(
                $"Vault schema version {found ?? "(none)"} is not the version {Version} that this build reads.");
        }
    }
}
