using System.Net;
using System.Net.Sockets;
using CareLedger.Ledger.State;
using CareLedger.Storage;
using CareLedger.Testing;
using Npgsql;

namespace CareLedger.Ledger.Tests.State;

/// <summary>What only a shared PostgreSQL server can meet: other nodes' schemas, a second writer, an absent server, wrong credentials.</summary>
public class PostgresStateTests
{
    [Fact]
    public void Two_nodes_schemas_on_one_server_do_not_see_each_other()
    {
        using var first = new StateWorld(StoreKind.Postgres);
        using var second = LedgerState.Open(PostgresServer.Shared.NewStore());

        Assert.Equal(1, first.State.AppliedCount);
        Assert.Equal(0, second.AppliedCount);
        Assert.Empty(second.Keys);
        Assert.Null(second.FindKey(first.Node.Id));
    }

    [Fact]
    public void A_second_process_cannot_open_a_state_that_is_open()
    {
        var store = PostgresServer.Shared.NewStore();
        using (var state = LedgerState.Open(store))
        {
            var error = Assert.Throws<StoreUnavailableException>(() => LedgerState.Open(store));

            Assert.Contains("in another process", error.Message, StringComparison.Ordinal);
            Assert.Contains(store.Schema, error.Message, StringComparison.Ordinal);
        }

        using var reopened = LedgerState.Open(store);
        Assert.Equal(0, reopened.AppliedCount);
    }

    [Fact]
    public void An_unreachable_server_is_one_line_naming_it_without_the_password()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var store = new PostgresStore($"Host=127.0.0.1;Port={port};Database=care;Username=node;Password=hunter2-secret;Timeout=5", "node_a");

        var error = Assert.Throws<StoreUnavailableException>(() => LedgerState.Open(store));

        Assert.StartsWith($"cannot reach PostgreSQL 127.0.0.1:{port}/care schema node_a", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_wrong_password_is_one_line_naming_the_user()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresServer.Shared.ConnectionString) { Password = "not-the-password" };
        var store = new PostgresStore(builder.ConnectionString, "node_b");

        var error = Assert.Throws<StoreUnavailableException>(() => LedgerState.Open(store));

        Assert.Contains($"refused the password of user '{PostgresServer.User}'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Node")]
    [InlineData("node-a")]
    [InlineData("a; DROP TABLE x")]
    [InlineData("pg_catalog")]
    public void A_schema_name_that_would_need_quoting_is_refused(string schema)
    {
        Assert.Throws<ArgumentException>(() => new PostgresStore(PostgresServer.Shared.ConnectionString, schema));
    }
}
