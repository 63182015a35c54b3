using System.Data;
using System.Data.Common;
using CareLedger.Storage;
using Npgsql;

namespace CareLedger.Vault.Storage;

/// <summary>
/// The vault in the node's schema on a PostgreSQL server. The writer session holds the vault's advisory lock and
/// commits with synchronous_commit on (the vault cannot be rebuilt: a staged or committed version must survive the
/// server's crash); readers come from a pool. PostgreSQL has no secure_delete: after a shred the vault's tables are
/// vacuumed, and copies in the server's WAL and backups stay unreadable because they hold data keys only wrapped by
/// the KEK (docs/adr/0006).
/// </summary>
internal sealed class PostgresVaultDatabase : VaultDatabase
{
    public const string StoreName = "vault";

    private const string VacuumTables = "VACUUM compartments, resources, versions, staged_index, token_index, number_index, date_index";

    private readonly PostgresStore _store;
    private readonly NpgsqlDataSource _readers;

    public PostgresVaultDatabase(PostgresStore store)
    {
        _store = store;
        _readers = PostgresSessions.OpenReaders(store, StoreName);
        Location = store.Describe();
    }

    public override string Location { get; }

    public override bool PreparesCommands => false;

    public override DbConnection OpenWriter()
    {
        var writer = PostgresSessions.OpenWriter(_store, StoreName);
        try
        {
            Ensure(writer);
            return writer;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    public override DbConnection OpenReader()
    {
        try
        {
            return _readers.OpenConnection();
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            throw PostgresSessions.Unavailable(_store, StoreName, e);
        }
    }

    public override DbTransaction BeginWrite(DbConnection connection) => connection.BeginTransaction(IsolationLevel.ReadCommitted);

    /// <summary>
    /// synchronous_commit off for the session: the commit returns before its WAL is flushed (at most three
    /// wal_writer_delays later, or with the next synchronous commit, whose flush covers every earlier record).
    /// </summary>
    public override void SetDurableCommits(DbConnection writer, bool durable)
    {
        using var command = writer.CreateCommand();
        command.CommandText = durable ? "SET synchronous_commit = on" : "SET synchronous_commit = off";
        command.ExecuteNonQuery();
    }

    public override bool CommitsDurably(DbConnection writer)
    {
        using var command = writer.CreateCommand();
        command.CommandText = "SHOW synchronous_commit";
        return command.ExecuteScalar() is string setting && setting is "on" or "remote_apply" or "remote_write";
    }

    public override DbTransaction BeginSnapshot(DbConnection connection) => connection.BeginTransaction(IsolationLevel.RepeatableRead);

    /// <summary>Frees the deleted tuples' space for reuse; the server's WAL may still hold them, so never true.</summary>
    public override bool ForgetDeletedRows(DbConnection writer)
    {
        using var command = writer.CreateCommand();
        command.CommandText = VacuumTables;
        command.ExecuteNonQuery();
        return false;
    }

    public override void Recover(DbConnection writer)
    {
    }

    public override void Dispose() => _readers.Dispose();

    private static void Ensure(DbConnection writer)
    {
        using var transaction = writer.BeginTransaction();
        using var exists = writer.CreateCommand();
        exists.CommandText = "SELECT to_regclass('schema_version') IS NOT NULL";
        if (exists.ExecuteScalar() is not true)
        {
            using var create = writer.CreateCommand();
            create.CommandText = VaultSchema.CreatePostgres;
            create.ExecuteNonQuery();
            transaction.Commit();
            return;
        }

        using var version = writer.CreateCommand();
        version.CommandText = "SELECT version FROM schema_version";
        var found = version.ExecuteScalar();
        if (found is 1L)
        {
            using var migrate = writer.CreateCommand();
            migrate.CommandText = VaultSchema.MigratePostgresV1;
            migrate.ExecuteNonQuery();
            transaction.Commit();
            return;
        }

        if (found is not long v || v != VaultSchema.Version)
        {
            throw new NotSupportedException(
                $"Vault schema version {found ?? "(none)"} is not the version {VaultSchema.Version} that this build reads.");
        }
    }
}
