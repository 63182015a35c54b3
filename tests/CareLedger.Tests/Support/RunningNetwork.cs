using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CareLedger.Consortium.LocalNetwork;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;
using CareLedger.Node;

namespace CareLedger.Tests.Support;

/// <summary>
/// A local consortium network of real processes — three nats-servers, three <c>careledger serve</c> members and, by
/// default, the network's own PostgreSQL cluster holding each member's state and vault — created and started by the
/// real <c>careledger network up</c>, broken by signals to their pids, and always stopped and deleted by
/// <c>careledger network down --purge</c> (then every recorded pid is killed and the cluster deleted) when disposed.
/// </summary>
internal sealed class RunningNetwork : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(4);

    private readonly TempDirectory directory = new();

    private RunningNetwork()
    {
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(45) };
    }

    public string Directory => directory.Combine("network");

    public LocalNetwork Network { get; private set; } = null!;

    public HttpClient Http { get; }

    public IReadOnlyList<MemberSpec> Members => Network.Layout.Members;

    public static async Task<RunningNetwork> UpAsync(params string[] options)
    {
        var running = new RunningNetwork();
        try
        {
            await running.RunAsync(["network", "up", "--dir", running.Directory, "--members", "3", .. options]);
            running.Network = LocalNetwork.Open(running.Directory) ?? throw new InvalidOperationException("network up wrote no network.json");
            return running;
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }
    }

    /// <summary>The real <c>careledger network up</c> again: starts whatever is not running and waits until every member serves.</summary>
    public Task RestartStoppedAsync() => RunAsync("network", "up", "--dir", Directory);

    public Task DownAsync(bool purge = false) => purge ? RunAsync("network", "down", "--dir", Directory, "--purge") : RunAsync("network", "down", "--dir", Directory);

    /// <summary>Runs SQL on member <paramref name="member"/>'s ledger state wherever it keeps it (to tamper with it); <c>@id</c> is bound to <paramref name="id"/>.</summary>
    public int ExecuteOnState(int member, string sql, byte[] id)
    {
        using var connection = NodeConfig.Load(NodePaths.For(MemberData(member))).PostgresStore() is { } postgres
            ? (System.Data.Common.DbConnection)new Npgsql.NpgsqlConnection(postgres.SessionConnectionString("test", pooled: false))
            : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(MemberData(member), "state.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@id";
        parameter.Value = id;
        command.Parameters.Add(parameter);
        return command.ExecuteNonQuery();
    }

    public AuthorKey NodeKey(int member) => AuthorKey.Load(Path.Combine(Network.MemberDataDirectory(member), "keys", NodeKeys.NodeKeyFile));

    public string MemberData(int member) => Network.MemberDataDirectory(member);

    public int MemberPid(int member) => Network.MemberPid(member) ?? throw new InvalidOperationException($"member {member} is not running");

    public int NatsPid(int server) => Network.NatsPid(server) ?? throw new InvalidOperationException($"nats-server {server} is not running");

    public static void Signal(int pid, string signal) => DetachedProcess.Signal(pid, signal);

    /// <summary>Submits a signed transaction to a member: true when it answered 201/200 (committed), false on any other outcome.</summary>
    public async Task<(bool Committed, long LeafIndex)> SubmitAsync(int member, SignedTransaction tx, CancellationToken ct)
    {
        using var content = new ByteArrayContent(tx.Encoded.ToArray());
        using var response = await Http.PostAsync(new Uri(Members[member].Url + "/ledger/transactions"), content, ct);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
        {
            return (false, -1);
        }

        var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return (true, body.GetProperty("leafIndex").GetInt64());
    }

    public async Task<JsonElement?> HealthAsync(int member)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(Members[member].Url + "/health"));
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Waits until every member serves the same size, all of it committed, and returns that size.</summary>
    public async Task<long> WaitForConvergenceAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var health = await Task.WhenAll(Enumerable.Range(0, Members.Count).Select(HealthAsync));
            last = string.Join(" | ", health.Select(h => h?.ToString() ?? "no answer"));
            if (health.All(h => h is { } v && v.GetProperty("status").GetString() == "ok"))
            {
                var sizes = health.Select(h => h!.Value.GetProperty("size").GetInt64()).Distinct().ToArray();
                var committed = health.Select(h => h!.Value.GetProperty("consortium").GetProperty("committedSize").GetInt64()).Distinct().ToArray();
                if (sizes.Length == 1 && committed.Length == 1 && committed[0] == sizes[0])
                {
                    return sizes[0];
                }
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("the members did not converge: " + last);
    }

    public string MemberLog(int member) => File.Exists(Network.MemberLog(Members[member])) ? File.ReadAllText(Network.MemberLog(Members[member])) : "";

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Network is not null && System.IO.Directory.Exists(Directory))
            {
                await DownAsync(purge: true);
            }
        }
        finally
        {
            // Whatever survived (a failed 'down'): kill by the recorded pids only.
            if (Network is not null)
            {
                for (var i = 0; i < Members.Count; i++)
                {
                    if (Network.MemberPid(i) is { } pid)
                    {
                        Signal(pid, "KILL");
                    }
                }

                for (var i = 0; i < Network.Layout.NatsServers.Count; i++)
                {
                    if (Network.NatsPid(i) is { } pid)
                    {
                        Signal(pid, "KILL");
                    }
                }

                Network.Layout.Postgres?.Delete();
            }

            Http.Dispose();
            directory.Dispose();
        }
    }

    private async Task RunAsync(params string[] args)
    {
        var (exitCode, stdout, stderr) = await CareLedgerProcess.RunAsync(CommandTimeout, args);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"careledger {string.Join(' ', args)} exited {exitCode}: {stdout}{stderr}");
        }
    }
}
