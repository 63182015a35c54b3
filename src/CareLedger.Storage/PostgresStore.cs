using System.Text.RegularExpressions;
using Npgsql;

namespace CareLedger.Storage;

/// <summary>
/// Where a node keeps its ledger state and its vault on PostgreSQL: a server (an Npgsql connection string) and the
/// node's own schema in it, so that several members can share one server without seeing each other's tables.
/// Every session runs with <c>synchronous_commit = on</c>: a commit returns only once the server's WAL is on disk.
/// </summary>
public sealed partial record PostgresStore
{
    public PostgresStore(string connectionString, string schema)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        if (SchemaProblem(schema) is { } problem)
        {
            throw new ArgumentException($"invalid PostgreSQL schema name '{schema}': {problem}");
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"invalid PostgreSQL connection string: {e.Message}", e);
        }

        ConnectionString = connectionString;
        Schema = schema;
    }

    /// <summary>The Npgsql connection string of the server and database (Host, Port, Database, Username, Password or Passfile ...).</summary>
    public string ConnectionString { get; }

    /// <summary>The node's schema: lowercase letters, digits and '_', starting with a letter or '_', at most 63 characters.</summary>
    public string Schema { get; }

    /// <summary>Why <paramref name="schema"/> cannot name a node's schema, or null. Kept to plain lowercase identifiers so
    /// that it never needs quoting and cannot carry SQL.</summary>
    public static string? SchemaProblem(string? schema) => schema switch
    {
        null or "" => "it is empty",
        { Length: > 63 } => "it is longer than 63 characters",
        _ when !SchemaName().IsMatch(schema) => "use lowercase letters, digits and '_', starting with a letter or '_'",
        _ when schema.StartsWith("pg_", StringComparison.Ordinal) => "names starting with 'pg_' are reserved by PostgreSQL",
        _ => null,
    };

    /// <summary>The server and database, for messages: never the password.</summary>
    public string Describe()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        return $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database ?? builder.Username} schema {Schema}";
    }

    /// <summary>
    /// The connection string that every store session uses: the node's schema first on the search path, synchronous
    /// commit on, statements prepared automatically after their second use. <paramref name="pooled"/> false gives a
    /// session that ends when it is closed (a writer's session-level advisory lock must not survive in a pool).
    /// <paramref name="planEachExecution"/> sets <c>plan_cache_mode = force_custom_plan</c>: a prepared statement is planned
    /// again at every execution, for tables that start empty and grow (see <see cref="PlanEachExecution"/>).
    /// </summary>
    public string SessionConnectionString(string applicationName, bool pooled, bool planEachExecution = false)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString)
        {
            SearchPath = Schema,
            Options = planEachExecution ? "-c synchronous_commit=on " + PlanEachExecution : "-c synchronous_commit=on",
            ApplicationName = applicationName,
            MaxAutoPrepare = 64,
            AutoPrepareMinUsages = 2,
            Pooling = pooled,
        };
        return builder.ConnectionString;
    }

    /// <summary>
    /// PostgreSQL keeps a prepared statement's generic plan once it has chosen one, until the table's statistics change.
    /// A plan chosen while a table held a few rows is a sequential scan, and it stays one as the table grows until the
    /// next (auto)analyze: the ledger state's <c>id = ANY(@ids)</c> look-up took 14 ms instead of 0.15 ms at 30,000
    /// rows, and its server's CPU per transaction swung 15-fold between otherwise identical benchmark runs. Planning at
    /// every execution costs a fraction of a millisecond per statement and sees the table as it is.
    /// </summary>
    public const string PlanEachExecution = "-c plan_cache_mode=force_custom_plan";

    [GeneratedRegex("^[a-z_][a-z0-9_]*$")]
    private static partial Regex SchemaName();
}
