using System.Data.Common;
using System.Globalization;
using CareLedger.Storage;
using Npgsql;

namespace CareLedger.Ledger.State.Storage;

/// <summary>
/// The ledger state in the node's schema on a PostgreSQL server. The writer session holds the state's advisory lock
/// (one process per node's state) and commits one transaction per applied batch; readers come from a pool. Like the
/// SQLite file (synchronous=NORMAL), the state is rebuilt from the log past its applied count, so its writer commits
/// with <c>synchronous_commit = off</c> (ADR 0006, point 5): the log is flushed before the state is written, and a
/// state that lost its last commits in a server crash is caught by the conditional applied_count update and replayed.
/// The vault, which cannot be rebuilt, keeps synchronous commits.
/// </summary>
internal sealed class PostgresStateDatabase : StateDatabase
{
    public const string StoreName = "ledger state";

    private readonly NpgsqlConnection writer;
    private readonly NpgsqlDataSource readers;
    private readonly PostgresStore store;

    private PostgresStateDatabase(PostgresStore store, NpgsqlConnection writer, NpgsqlDataSource readers)
    {
        this.store = store;
        this.writer = writer;
        this.readers = readers;
        Location = store.Describe();
    }

    public override string Location { get; }

    public override DbConnection Writer => writer;

    public override string CreateTables => StateSchema.CreatePostgres;

    public static PostgresStateDatabase Open(PostgresStore store)
    {
        // Every state table starts empty and grows for ever: plans made at the start must not outlive it (PlanEachExecution).
        var writer = PostgresSessions.OpenWriter(store, StoreName, planEachExecution: true);
        try
        {
            // The sequencer's commit no longer waits for the server's WAL fsync: the log's fsync (before the state is
            // written) is what makes an applied batch durable, and the state is its replay.
            using var asynchronous = new NpgsqlCommand("SET synchronous_commit = off", writer);
            asynchronous.ExecuteNonQuery();
        }
        catch (NpgsqlException e)
        {
            writer.Dispose();
            throw PostgresSessions.Unavailable(store, StoreName, e);
        }

        return new PostgresStateDatabase(store, writer, PostgresSessions.OpenReaders(store, StoreName, planEachExecution: true));
    }

    /// <summary>A session on the node's schema that reads the state beside a running node, or null if the schema holds no state.</summary>
    public static DbConnection? OpenForAudit(PostgresStore store)
    {
        var connection = new NpgsqlConnection(store.SessionConnectionString("careledger verify", pooled: false));
        try
        {
            connection.Open();
            using var command = new NpgsqlCommand("SELECT to_regclass('meta') IS NOT NULL", connection);
            if (command.ExecuteScalar() is true)
            {
                return connection;
            }

            connection.Dispose();
            return null;
        }
        catch (NpgsqlException e)
        {
            connection.Dispose();
            throw PostgresSessions.Unavailable(store, StoreName, e);
        }
    }

    public override DbConnection OpenReader()
    {
        try
        {
            return readers.OpenConnection();
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            throw PostgresSessions.Unavailable(store, StoreName, e);
        }
    }

    /// <summary>A batch's duplicate check in one round trip instead of one per transaction.</summary>
    public override string? FindTransactionsSql => "SELECT id, leaf, leaf_hash FROM transactions WHERE id = ANY(@ids)";

    /// <summary>
    /// A batch's transaction rows in one statement: PostgreSQL parses and plans each statement of a pipelined batch
    /// again, which for one row per transaction was most of the server's CPU per transaction.
    /// </summary>
    public override string? InsertTransactionsSql =>
        "INSERT INTO transactions (id, leaf, type, author, leaf_hash) SELECT * FROM unnest(@ids::bytea[], @leaves::bigint[], @types::bigint[], @authors::bytea[], @hashes::bytea[])";

    public override object MetaValue(object value) => Convert.ToString(value, CultureInfo.InvariantCulture)!;

    public override void Dispose()
    {
        PostgresSessions.CloseWriter(writer);
        readers.Dispose();
    }
}
