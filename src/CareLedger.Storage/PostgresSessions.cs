using System.Net.Sockets;
using Npgsql;

namespace CareLedger.Storage;

/// <summary>
/// Opens the sessions of one store (the ledger state, the vault) on PostgreSQL. The writer is one unpooled session
/// that holds the store's advisory lock for its whole life, so that two processes can never write one node's store;
/// readers come from a pool. Every failure to open becomes a <see cref="StoreUnavailableException"/> of one line.
/// </summary>
public static class PostgresSessions
{
    /// <summary>
    /// Opens the writer session of <paramref name="storeName"/>: creates the node's schema if it is missing, checks that
    /// the server makes commits durable, and takes the store's lock (refusing if another process holds it).
    /// </summary>
    public static NpgsqlConnection OpenWriter(PostgresStore store, string storeName, bool planEachExecution = false)
    {
        ArgumentNullException.ThrowIfNull(store);
        var connection = new NpgsqlConnection(store.SessionConnectionString("careledger " + storeName, pooled: false, planEachExecution));
        try
        {
            connection.Open();
            if (Scalar(connection, "SHOW fsync") is "off")
            {
                throw new StoreUnavailableException($"{store.Describe()} runs with fsync = off: a committed write could be lost in a crash; the {storeName} refuses such a server");
            }

            try
            {
                Execute(connection, $"CREATE SCHEMA IF NOT EXISTS {store.Schema}");
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // Another store of the same node created the schema at the same moment.
            }

            using var lockCommand = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@key, 0))", connection);
            lockCommand.Parameters.AddWithValue("key", $"careledger/{store.Schema}/{storeName}");
            if (lockCommand.ExecuteScalar() is not true)
            {
                throw new StoreUnavailableException($"{store.Describe()}: the {storeName} is open in another process (is another node using this schema?)");
            }

            return connection;
        }
        catch (NpgsqlException e)
        {
            connection.Dispose();
            throw Unavailable(store, storeName, e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Closes a writer session opened by <see cref="OpenWriter"/>, releasing the store's advisory lock first. PostgreSQL
    /// releases a closed session's locks only as its backend process exits, after the client has gone on; a store reopened
    /// at once (a restart in the same process, a test) could then find its own lock still held and be refused as open in
    /// another process. Unlocking in the session makes the release part of the close.
    /// </summary>
    public static void CloseWriter(NpgsqlConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        try
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
                unlock.ExecuteNonQuery();
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The session is broken or busy: its backend releases the lock when it exits, as before.
        }
        finally
        {
            connection.Dispose();
        }
    }

    /// <summary>How many tables the node's schema holds (0 if it does not exist): a new node needs an empty one.</summary>
    public static long TablesIn(PostgresStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        using var connection = new NpgsqlConnection(store.SessionConnectionString("careledger init", pooled: false));
        try
        {
            connection.Open();
            using var command = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema = @schema", connection);
            command.Parameters.AddWithValue("schema", store.Schema);
            return (long)command.ExecuteScalar()!;
        }
        catch (NpgsqlException e)
        {
            throw Unavailable(store, "node", e);
        }
    }

    /// <summary>
    /// Drops every table of the node's schema (the schema itself stays, with whatever grants the operator gave it): what
    /// a refused start wrote into a schema that was empty before it.
    /// </summary>
    public static void DropTables(PostgresStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        using var connection = new NpgsqlConnection(store.SessionConnectionString("careledger cleanup", pooled: false));
        try
        {
            connection.Open();
            using var transaction = connection.BeginTransaction();
            var tables = new List<string>();
            using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = @schema", connection, transaction))
            {
                list.Parameters.AddWithValue("schema", store.Schema);
                using var reader = list.ExecuteReader();
                while (reader.Read())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            foreach (var table in tables)
            {
                // The schema name is a plain identifier (PostgresStore checks it); a table name is quoted as PostgreSQL does.
                using var drop = new NpgsqlCommand($"DROP TABLE IF EXISTS {store.Schema}.\"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\" CASCADE", connection, transaction);
                drop.ExecuteNonQuery();
            }

            transaction.Commit();
        }
        catch (NpgsqlException e)
        {
            throw Unavailable(store, "node", e);
        }
    }

    /// <summary>A pool of reader sessions on the node's schema (<paramref name="planEachExecution"/>: see <see cref="PostgresStore.PlanEachExecution"/>).</summary>
    public static NpgsqlDataSource OpenReaders(PostgresStore store, string storeName, bool planEachExecution = false)
    {
        ArgumentNullException.ThrowIfNull(store);
        return NpgsqlDataSource.Create(store.SessionConnectionString("careledger " + storeName + " reader", pooled: true, planEachExecution));
    }

    /// <summary>What went wrong, in one line that names the server but never the password.</summary>
    public static StoreUnavailableException Unavailable(PostgresStore store, string storeName, Exception e)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(e);
        var where = store.Describe();
        var user = new NpgsqlConnectionStringBuilder(store.ConnectionString).Username ?? Environment.UserName;
        var message = e switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword } => $"{where}: the server refused the password of user '{user}'",
            PostgresException { SqlState: PostgresErrorCodes.InvalidAuthorizationSpecification } p => $"{where}: the server refused user '{user}': {p.MessageText}",
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } p => $"{where}: {p.MessageText}",
            PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } p => $"{where}: user '{user}' lacks a privilege the {storeName} needs: {p.MessageText}",
            PostgresException p => $"{where}: {p.MessageText} (SQLSTATE {p.SqlState})",
            NpgsqlException { InnerException: SocketException s } => $"cannot reach {where}: {s.Message}",
            NpgsqlException { InnerException: TimeoutException } => $"cannot reach {where}: no answer in time",
            _ => $"{where}: {e.Message}",
        };
        return new StoreUnavailableException(OneLine(message), e);
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static object? Scalar(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
