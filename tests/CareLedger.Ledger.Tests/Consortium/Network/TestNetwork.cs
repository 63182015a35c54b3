using CareLedger.Ledger.Consortium;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Tests.Engine;
using CareLedger.Ledger.Transactions;
using CareLedger.Storage;
using CareLedger.Testing;

namespace CareLedger.Ledger.Tests.Consortium.Network;

/// <summary>
/// A consortium of real members (keys, genesis approved by every founder, a data directory each) on one real
/// nats-server: each test gets its own network name, so tests share the server without sharing streams.
/// </summary>
internal sealed class TestNetwork : IAsyncDisposable
{
    private readonly TempDirectory directory = new("network");
    private readonly LedgerEngine?[] engines;
    private readonly PostgresStore?[] stores;

    private TestNetwork(string natsUrl, string network, string[] names, SignedTransaction genesis, int checkpointIntervalMs, StoreKind store)
    {
        NatsUrl = natsUrl;
        Network = network;
        Names = names;
        Genesis = genesis;
        CheckpointIntervalMs = checkpointIntervalMs;
        engines = new LedgerEngine?[names.Length];
        // Each member keeps its state in its own schema when on PostgreSQL, as members sharing one server would.
        stores = [.. names.Select(_ => store == StoreKind.Postgres ? PostgresServer.Shared.NewStore() : null)];
    }

    public string NatsUrl { get; }

    public string Network { get; }

    public IReadOnlyList<string> Names { get; }

    public SignedTransaction Genesis { get; }

    public int CheckpointIntervalMs { get; }

    public ConsortiumGenesisPayload Terms => (ConsortiumGenesisPayload)TransactionPayloads.Decode(Genesis.Transaction);

    public LedgerEngine this[int member] => engines[member] ?? throw new InvalidOperationException($"member {member} is stopped");

    public string DataDirectory(int member) => directory.Combine(Names[member]);

    /// <summary>Creates the members' keys, has every founder approve the genesis, joins each member and starts them all.</summary>
    public static async Task<TestNetwork> StartAsync(string natsUrl, StoreKind store = StoreKind.Sqlite, int members = 3, int quorum = 2, int checkpointEvery = 1000, int checkpointIntervalMs = 100)
    {
        var network = "t" + Guid.NewGuid().ToString("N")[..12];
        var names = Enumerable.Range(0, members).Select(i => $"member{i}.{network}.test").ToArray();
        using var scratch = new TempDirectory("founders");
        var keys = names.Select(name => NodeKeys.Create(scratch.Combine(name), name, "Organisation " + name)).ToArray();
        try
        {
            var draft = ConsortiumGenesisPayload.Draft($"careledger.test/{network}", network, quorum, checkpointEvery, checkpointIntervalMs,
                keys.Select((k, i) => k.AsFoundingMember("Organisation " + names[i])));
            foreach (var (key, name) in keys.Zip(names))
            {
                draft = draft.WithApproval(name, key.Organisation);
            }

            var genesis = draft.Seal(keys[0].Organisation, TimeProvider.System);
            var result = new TestNetwork(natsUrl, network, names, genesis, checkpointIntervalMs, store);
            for (var i = 0; i < members; i++)
            {
                CopyKeys(scratch.Combine(names[i]), result.DataDirectory(i));
                Assert.Equal(names[i], LedgerEngine.JoinConsortium(result.DataDirectory(i), genesis, result.stores[i]));
            }

            for (var i = 0; i < members; i++)
            {
                await result.StartMemberAsync(i);
            }

            return result;
        }
        finally
        {
            foreach (var key in keys)
            {
                key.Dispose();
            }
        }
    }

    public LedgerOptions Options(int member) => new(DataDirectory(member))
    {
        Consortium = new ConsortiumOptions(NatsUrl) { Replicas = 1 },
        Postgres = stores[member],
    };

    /// <summary>Runs SQL against member <paramref name="member"/>'s state, wherever it is kept (to tamper with it).</summary>
    public int ExecuteOnState(int member, string sql)
    {
        using var connection = stores[member] is { } postgres
            ? (System.Data.Common.DbConnection)new Npgsql.NpgsqlConnection(postgres.SessionConnectionString("test", pooled: false))
            : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(DataDirectory(member), "state.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    /// <summary>
    /// Holds the write lock of member <paramref name="member"/>'s state until disposed (SQLite: a write transaction;
    /// PostgreSQL: the ordering table locked against writes): its sequencer stops at the next batch it applies, while
    /// it keeps reading the others' cosignatures — a member behind the others, on demand. Release within 30 s (the
    /// store's lock wait).
    /// </summary>
    public IDisposable HoldStateWrites(int member)
    {
        System.Data.Common.DbConnection connection = stores[member] is { } postgres
            ? new Npgsql.NpgsqlConnection(postgres.SessionConnectionString("test", pooled: false))
            : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(DataDirectory(member), "state.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = stores[member] is null ? "BEGIN IMMEDIATE" : "BEGIN; LOCK TABLE ordering IN EXCLUSIVE MODE";
        command.ExecuteNonQuery();
        return new Held(connection);
    }

    public async Task StartMemberAsync(int member)
    {
        Assert.Null(engines[member]);
        engines[member] = await LedgerEngine.OpenAsync(Options(member), CancellationToken.None);
    }

    public async Task StopMemberAsync(int member)
    {
        var engine = engines[member] ?? throw new InvalidOperationException($"member {member} is already stopped");
        engines[member] = null;
        await engine.DisposeAsync();
    }

    /// <summary>Waits until every running member holds <paramref name="size"/> transactions and a commit point that covers them.</summary>
    public async Task WaitForAllAsync(long size, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (engines.Any(e => e is not null && (e.Size < size || (e.CommitPoint?.Size ?? 0) < size)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("members did not converge: " + Describe());
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Each member's size, commit point, stream position, alarms and last NATS error: what a failing test needs to say.</summary>
    public string Describe() => string.Join("; ", engines.Select((e, i) => e is null
        ? $"{i}: stopped"
        : $"{i}: size {e.Size}, committed {e.CommitPoint?.Size ?? 0}, own checkpoint {e.LatestOwnCheckpoint?.Text.Split('\n')[1]}, {e.ConsortiumStatus}, alarms [{string.Join(" | ", e.Alarms.Select(a => a.Description))}]"));

    public async ValueTask DisposeAsync()
    {
        foreach (var engine in engines)
        {
            if (engine is not null)
            {
                await engine.DisposeAsync();
            }
        }

        directory.Dispose();
    }

    private sealed class Held(System.Data.Common.DbConnection connection) : IDisposable
    {
        public void Dispose()
        {
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "ROLLBACK";
                command.ExecuteNonQuery();
            }

            connection.Dispose();
        }
    }

    private static void CopyKeys(string from, string to)
    {
        var keys = Path.Combine(to, "keys");
        Directory.CreateDirectory(keys);
        foreach (var file in Directory.GetFiles(Path.Combine(from, "keys")))
        {
            File.Copy(file, Path.Combine(keys, Path.GetFileName(file)));
        }
    }
}
