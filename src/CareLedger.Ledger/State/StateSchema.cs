using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.State;

/// <summary>
/// The schema of the ledger state, in SQLite and in PostgreSQL: the same tables, columns (in the same order) and
/// keys, so that a dump of either compares row by row with a replay (<see cref="StateDump"/>). Every row is derived
/// from the log, so the database can always be rebuilt by replay.
/// </summary>
internal static class StateSchema
{
    /// <summary>
    /// 2 added the credentials table (<see cref="TxType.CredentialStatus"/>); 3 the members table
    /// (<see cref="TxType.ConsortiumGenesis"/>); 4 governance (ADR 0008): the quorum_changes, proposals and votes tables,
    /// and a member may have several rows (a key rotation), keyed by (name, from_leaf); 5 the checkpoint_positions table
    /// (where in the stream each checkpoint size was decided, so that a member can roll back a suffix it never cosigned).
    /// </summary>
    public const long FormatVersion = 5;

    /// <summary>
    /// Older databases are upgraded by creating the tables they lack empty: a log that format 1 or 2 replayed cannot
    /// hold a transaction of the types those tables come from (the types did not exist), so empty tables are exactly its replay.
    /// Format 4 lacks only checkpoint_positions, which is not a replay: empty, it means no rollback below the first
    /// checkpoint decided after the upgrade (such a contradiction halts the member, as before).
    /// </summary>
    public static bool UpgradesByEmptyTables(long? format) => format is 1 or 2 or 3 or 4;

    /// <summary>
    /// Format 3's members table is keyed by name alone: its rows are copied aside before the tables are created and
    /// back after (statements both engines read; a renamed PostgreSQL table would keep its primary key's index name).
    /// No proposal or vote could exist in format 3, so the new governance tables start empty, by the rule above.
    /// </summary>
    public static bool KeysMembersByNameOnly(long? format) => format is 3;

    public const string SetMembersAside = "CREATE TABLE members_v3 AS SELECT * FROM members; DROP TABLE members;";

    public const string RestoreMembers = "INSERT INTO members SELECT * FROM members_v3; DROP TABLE members_v3;";

    public const string CreateSqlite = """
        CREATE TABLE IF NOT EXISTS meta (
            name  TEXT PRIMARY KEY NOT NULL,
            value ANY NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS transactions (
            id        BLOB PRIMARY KEY NOT NULL,
            leaf      INTEGER NOT NULL,
            type      INTEGER NOT NULL,
            author    BLOB NOT NULL,
            leaf_hash BLOB NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS keys (
            id              BLOB PRIMARY KEY NOT NULL,
            spki            BLOB NOT NULL,
            role            TEXT NOT NULL,
            label           TEXT NOT NULL,
            registered_leaf INTEGER NOT NULL,
            revoked_leaf    INTEGER
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS records (
            record_ref BLOB NOT NULL,
            version    INTEGER NOT NULL,
            patient    BLOB,
            operation  INTEGER NOT NULL,
            commitment BLOB NOT NULL,
            leaf       INTEGER NOT NULL,
            PRIMARY KEY (record_ref, version)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS erased_patients (
            patient BLOB PRIMARY KEY NOT NULL,
            leaf    INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS members (
            name             TEXT NOT NULL,
            organisation     TEXT NOT NULL,
            organisation_key BLOB NOT NULL,
            node_key         BLOB NOT NULL,
            cosigner_vkey    TEXT NOT NULL,
            from_leaf        INTEGER NOT NULL,
            until_leaf       INTEGER,
            PRIMARY KEY (name, from_leaf)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS quorum_changes (
            from_leaf INTEGER PRIMARY KEY NOT NULL,
            quorum    INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE IF NOT EXISTS proposals (
            id          BLOB PRIMARY KEY NOT NULL,
            leaf        INTEGER NOT NULL,
            proposer    TEXT NOT NULL,
            payload     BLOB NOT NULL,
            closed_leaf INTEGER,
            executed    INTEGER,
            reason      TEXT
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS votes (
            proposal BLOB NOT NULL,
            member   TEXT NOT NULL,
            leaf     INTEGER NOT NULL,
            approve  INTEGER NOT NULL,
            PRIMARY KEY (proposal, member)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ordering (
            id                   INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
            stream_sequence      INTEGER NOT NULL,
            message_hash         BLOB NOT NULL,
            checkpoint_size      INTEGER NOT NULL,
            checkpoint_stream_ms INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE IF NOT EXISTS checkpoint_positions (
            checkpoint_size      INTEGER PRIMARY KEY NOT NULL,
            stream_sequence      INTEGER NOT NULL,
            message_hash         BLOB NOT NULL,
            checkpoint_stream_ms INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE IF NOT EXISTS credentials (
            id_hash     BLOB PRIMARY KEY NOT NULL,
            status      INTEGER NOT NULL,
            digest      BLOB NOT NULL,
            valid_until INTEGER NOT NULL,
            issuer      BLOB NOT NULL,
            leaf        INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        """;

    /// <summary>
    /// The same tables in PostgreSQL, in the node's schema (first on the search path). Text keys sort bytewise
    /// (COLLATE "C") as SQLite's do; meta values are text (SQLite's column is dynamically typed).
    /// </summary>
    public const string CreatePostgres = """
        CREATE TABLE IF NOT EXISTS meta (
            name  text COLLATE "C" PRIMARY KEY,
            value text NOT NULL
        );
        CREATE TABLE IF NOT EXISTS transactions (
            id        bytea PRIMARY KEY,
            leaf      bigint NOT NULL,
            type      bigint NOT NULL,
            author    bytea NOT NULL,
            leaf_hash bytea NOT NULL
        );
        CREATE TABLE IF NOT EXISTS keys (
            id              bytea PRIMARY KEY,
            spki            bytea NOT NULL,
            role            text NOT NULL,
            label           text NOT NULL,
            registered_leaf bigint NOT NULL,
            revoked_leaf    bigint
        );
        CREATE TABLE IF NOT EXISTS records (
            record_ref bytea NOT NULL,
            version    bigint NOT NULL,
            patient    bytea,
            operation  bigint NOT NULL,
            commitment bytea NOT NULL,
            leaf       bigint NOT NULL,
            PRIMARY KEY (record_ref, version)
        );
        CREATE TABLE IF NOT EXISTS erased_patients (
            patient bytea PRIMARY KEY,
            leaf    bigint NOT NULL
        );
        CREATE TABLE IF NOT EXISTS members (
            name             text COLLATE "C" NOT NULL,
            organisation     text NOT NULL,
            organisation_key bytea NOT NULL,
            node_key         bytea NOT NULL,
            cosigner_vkey    text NOT NULL,
            from_leaf        bigint NOT NULL,
            until_leaf       bigint,
            PRIMARY KEY (name, from_leaf)
        );
        CREATE TABLE IF NOT EXISTS quorum_changes (
            from_leaf bigint PRIMARY KEY,
            quorum    bigint NOT NULL
        );
        CREATE TABLE IF NOT EXISTS proposals (
            id          bytea PRIMARY KEY,
            leaf        bigint NOT NULL,
            proposer    text NOT NULL,
            payload     bytea NOT NULL,
            closed_leaf bigint,
            executed    bigint,
            reason      text
        );
        CREATE TABLE IF NOT EXISTS votes (
            proposal bytea NOT NULL,
            member   text COLLATE "C" NOT NULL,
            leaf     bigint NOT NULL,
            approve  bigint NOT NULL,
            PRIMARY KEY (proposal, member)
        );
        CREATE TABLE IF NOT EXISTS ordering (
            id                   bigint PRIMARY KEY CHECK (id = 1),
            stream_sequence      bigint NOT NULL,
            message_hash         bytea NOT NULL,
            checkpoint_size      bigint NOT NULL,
            checkpoint_stream_ms bigint NOT NULL
        );
        CREATE TABLE IF NOT EXISTS checkpoint_positions (
            checkpoint_size      bigint PRIMARY KEY,
            stream_sequence      bigint NOT NULL,
            message_hash         bytea NOT NULL,
            checkpoint_stream_ms bigint NOT NULL
        );
        CREATE TABLE IF NOT EXISTS credentials (
            id_hash     bytea PRIMARY KEY,
            status      bigint NOT NULL,
            digest      bytea NOT NULL,
            valid_until bigint NOT NULL,
            issuer      bytea NOT NULL,
            leaf        bigint NOT NULL
        );
        """;

    /// <summary>
    /// Tables with their primary key columns, in the order a dump compares them: every table that is a replay of the
    /// log. Not <c>ordering</c> nor <c>checkpoint_positions</c>: where a consortium member stands in its network's
    /// stream is not in the log.
    /// </summary>
    public static readonly IReadOnlyList<(string Table, string OrderBy)> Tables =
    [
        ("meta", "name"),
        ("transactions", "id"),
        ("keys", "id"),
        ("records", "record_ref, version"),
        ("erased_patients", "patient"),
        ("credentials", "id_hash"),
        ("members", "name, from_leaf"),
        ("quorum_changes", "from_leaf"),
        ("proposals", "id"),
        ("votes", "proposal, member"),
    ];

    /// <summary>
    /// Undoes every row that leaves at and beyond <c>@count</c> wrote (ADR 0005, rollback of a suffix a member never
    /// cosigned): rows are inserted with the leaf that wrote them, and the only columns a later leaf changes are the
    /// "closed at leaf" columns set from NULL, and credentials (rewritten by <c>LedgerState.RollBack</c> from the log).
    /// </summary>
    public static readonly IReadOnlyList<string> RollBackStatements =
    [
        "DELETE FROM transactions WHERE leaf >= @count",
        "DELETE FROM keys WHERE registered_leaf >= @count",
        "UPDATE keys SET revoked_leaf = NULL WHERE revoked_leaf >= @count",
        "DELETE FROM records WHERE leaf >= @count",
        "DELETE FROM erased_patients WHERE leaf >= @count",
        "DELETE FROM credentials WHERE leaf >= @count",
        "DELETE FROM members WHERE from_leaf >= @count",
        "UPDATE members SET until_leaf = NULL WHERE until_leaf >= @count",
        "DELETE FROM quorum_changes WHERE from_leaf >= @count",
        "DELETE FROM votes WHERE leaf >= @count",
        "DELETE FROM proposals WHERE leaf >= @count",
        "UPDATE proposals SET closed_leaf = NULL, executed = NULL, reason = NULL WHERE closed_leaf >= @count",
        "DELETE FROM checkpoint_positions WHERE checkpoint_size > @count",
    ];

    public const string MetaFormat = "format";
    public const string MetaOrigin = "origin";
    public const string MetaAppliedCount = "applied_count";
    public const string MetaNetwork = "network";
    public const string MetaQuorum = "quorum";
    public const string MetaCheckpointEvery = "checkpoint_every";
    public const string MetaCheckpointIntervalMs = "checkpoint_interval_ms";
}
