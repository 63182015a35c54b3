using System.Net;
using System.Text;
using CareLedger.Testing;
using CareLedger.Tests.Support;
using Npgsql;

namespace CareLedger.Tests.Cli;

/// <summary>
/// A node whose ledger state and vault live in its own schema on a real PostgreSQL server (docs/adr/0006), end to end
/// on the real executable: init, import, a read over HTTP, verify, erase, and the errors a server can cause.
/// </summary>
public sealed class PostgresNodeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private const string BundleFile = "Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json";

    [Fact]
    public async Task A_node_on_postgres_imports_serves_a_read_verifies_and_erases()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("node");
        var store = PostgresServer.Shared.NewStore();
        var (patientId, identifying) = SyntheaPatient.Read(SyntheaPatient.File(BundleFile));
        await Run(0, "init", "--data", data, "--postgres", store.ConnectionString, "--postgres-schema", store.Schema);
        await Run(0, "import", "--data", data, SyntheaPatient.File("hospitalInformation1559319163815.json"),
            SyntheaPatient.File("practitionerInformation1559319163815.json"), SyntheaPatient.File(BundleFile));

        Assert.False(File.Exists(Path.Combine(data, "state.db")));
        Assert.False(File.Exists(Path.Combine(data, "vault.db")));
        Assert.True(Count(store.ConnectionString, $"SELECT count(*) FROM {store.Schema}.versions WHERE committed = 1") > 50);
        Assert.Contains(store.Schema, await File.ReadAllTextAsync(Path.Combine(data, "node.json")), StringComparison.Ordinal);

        await NodeCredentials.RegisterSystemClientAsync(dir, data, Timeout);
        await using (var node = CareLedgerProcess.Start("serve", "--data", data, "--urls", "http://127.0.0.1:0"))
        {
            using var http = new HttpClient { BaseAddress = await node.WaitUntilListeningAsync(Timeout) };
            await NodeCredentials.AuthoriseAsync(http);
            using var read = await http.GetAsync(new Uri($"/fhir/Patient/{patientId}", UriKind.Relative));
            var body = await read.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Contains(patientId, body, StringComparison.Ordinal);
            Assert.Contains("\"Patient\"", body, StringComparison.Ordinal);
        }

        Assert.Contains("verification passed", (await Run(0, "verify", "--data", data)).Stdout, StringComparison.Ordinal);
        Assert.Contains("tombstone", (await Run(0, "erase", "--data", data, "--patient", patientId, "--yes")).Stdout, StringComparison.Ordinal);

        foreach (var term in identifying.Append(patientId))
        {
            Assert.False(SchemaHolds(store.ConnectionString, store.Schema, term), $"'{term}' is still in the node's schema");
        }

        await Run(0, "verify", "--data", data);
        Assert.Contains("nothing was erased", (await Run(1, "erase", "--data", data, "--patient", patientId, "--yes")).Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_on_postgres_reports_a_tampered_state_row_and_a_tampered_vault_commitment()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("node");
        var store = PostgresServer.Shared.NewStore();
        await Run(0, "init", "--data", data, "--postgres", store.ConnectionString, "--postgres-schema", store.Schema);
        await Run(0, "import", "--data", data, SyntheaPatient.File("hospitalInformation1559319163815.json"));

        Execute(store.ConnectionString, $"UPDATE {store.Schema}.keys SET label = 'forged' WHERE role = 'node'");
        var state = await Run(2, "verify", "--data", data);
        Assert.Contains("state-mismatch", state.Stderr, StringComparison.Ordinal);
        Assert.Contains("table keys", state.Stderr, StringComparison.Ordinal);

        Execute(store.ConnectionString, $"UPDATE {store.Schema}.keys SET label = '{Origin(data)} node' WHERE role = 'node'");
        await Run(0, "verify", "--data", data);
        Execute(store.ConnectionString, $"UPDATE {store.Schema}.versions SET commitment = decode(repeat('00', 32), 'hex') WHERE id = (SELECT min(id) FROM {store.Schema}.versions)");
        Assert.Contains("differs from the one on the ledger", (await Run(2, "verify", "--data", data)).Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_a_wrong_password_or_a_used_schema_is_one_line_exit_1_and_makes_nothing()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("node");
        var server = PostgresServer.Shared;
        var wrongPassword = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Password = "wrong-password" }.ConnectionString;
        var nowhere = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Port = 1 }.ConnectionString;
        var used = server.NewStore();
        await Run(0, "init", "--data", dir.Combine("first"), "--postgres", used.ConnectionString, "--postgres-schema", used.Schema);

        var unreachable = await Run(1, "init", "--data", data, "--postgres", nowhere);
        var refused = await Run(1, "init", "--data", data, "--postgres", wrongPassword);
        var taken = await Run(1, "init", "--data", data, "--postgres", used.ConnectionString, "--postgres-schema", used.Schema);

        Assert.StartsWith("careledger: cannot reach PostgreSQL 127.0.0.1:1/", unreachable.Stderr, StringComparison.Ordinal);
        Assert.Contains("refused the password of user", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("already holds", taken.Stderr, StringComparison.Ordinal);
        foreach (var (_, _, stderr) in new[] { unreachable, refused, taken })
        {
            Assert.Single(stderr.Trim().Split('\n'));
            Assert.DoesNotContain(server.Password, stderr, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(data));
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> Run(int expectedExit, params string[] args)
    {
        var result = await CareLedgerProcess.RunAsync(Timeout, args);
        Assert.True(result.ExitCode == expectedExit, $"careledger {args[0]} exited {result.ExitCode}, not {expectedExit}: {result.Stdout}{result.Stderr}");
        return result;
    }

    private static string Origin(string data) =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(data, "node.json"))).RootElement.GetProperty("origin").GetString()!;

    private static long Count(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        Assert.Equal(1, command.ExecuteNonQuery());
    }

    /// <summary>Whether any value of any table in the schema holds <paramref name="term"/> (text, or bytes of UTF-8).</summary>
    private static bool SchemaHolds(string connectionString, string schema, string term)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        var tables = new List<string>();
        using (var list = new NpgsqlCommand($"SELECT table_name FROM information_schema.tables WHERE table_schema = '{schema}'", connection))
        using (var rows = list.ExecuteReader())
        {
            while (rows.Read())
            {
                tables.Add(rows.GetString(0));
            }
        }

        var needle = Encoding.UTF8.GetBytes(term);
        foreach (var table in tables)
        {
            using var select = new NpgsqlCommand($"SELECT * FROM {schema}.{table}", connection);
            using var rows = select.ExecuteReader();
            while (rows.Read())
            {
                for (var i = 0; i < rows.FieldCount; i++)
                {
                    var found = rows.GetValue(i) switch
                    {
                        string text => text.Contains(term, StringComparison.Ordinal),
                        byte[] bytes => bytes.AsSpan().IndexOf(needle) >= 0,
                        _ => false,
                    };
                    if (found)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }
}
