using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using CareLedger.Consortium;
using CareLedger.Consortium.LocalNetwork;
using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Consortium.Cosigning;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Receipts;
using CareLedger.Ledger.Transactions;
using CareLedger.Testing;
using CareLedger.Tests.Support;
using Microsoft.Data.Sqlite;
using NATS.Client.Core;

namespace CareLedger.Tests.Consortium;

/// <summary>
/// The consortium's reliability gates, on real processes: three nats-servers (JetStream, 3 replicas) and three
/// <c>careledger serve</c> members keeping their state and vault on the network's own PostgreSQL cluster, started by
/// <c>careledger network up</c>, killed (SIGKILL), paused (SIGSTOP) and restarted under load; a member whose database
/// was tampered with; a member whose key signs a second root (on SQLite files).
/// </summary>
[Collection(ConsortiumProcesses.Name)]
public sealed class ConsortiumFaultTests
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Killing_pausing_and_restarting_members_and_nats_servers_under_load_loses_no_committed_transaction()
    {
        await using var network = await RunningNetwork.UpAsync();
        var keys = Enumerable.Range(0, 3).Select(network.NodeKey).ToArray();
        var committed = new ConcurrentDictionary<TxId, (long Leaf, int Member)>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 12).Select(w => Task.Run(() => WriteUntilStoppedAsync(network, w % 3, keys[w % 3], committed, stop.Token))).ToArray();

        async Task Progress(int more)
        {
            var target = committed.Count + more;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (committed.Count < target && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            if (committed.Count < target)
            {
                var health = await Task.WhenAll(Enumerable.Range(0, 3).Select(network.HealthAsync));
                Assert.Fail($"only {committed.Count} of {target} commits; members: {string.Join(" | ", health)}");
            }
        }

        await Progress(100);
        RunningNetwork.Signal(network.MemberPid(2), "KILL");
        await Progress(100);
        await network.RestartStoppedAsync();

        var paused = network.MemberPid(1);
        RunningNetwork.Signal(paused, "STOP");
        await Progress(100);
        RunningNetwork.Signal(paused, "CONT");

        RunningNetwork.Signal(network.NatsPid(0), "KILL");
        await Progress(100);
        await network.RestartStoppedAsync();

        var pausedServer = network.NatsPid(1);
        RunningNetwork.Signal(pausedServer, "STOP");
        // Held frozen until the network has committed past it (two servers of three keep the stream's quorum), not for
        // a fixed time: the pause lasts as long as routing around the frozen server takes, and no longer.
        await Progress(50);
        RunningNetwork.Signal(pausedServer, "CONT");
        await Progress(100);

        RunningNetwork.Signal(network.MemberPid(0), "KILL");
        await Progress(50);
        await network.RestartStoppedAsync();
        await Progress(50);

        await stop.CancelAsync();
        await Task.WhenAll(writers);
        var size = await network.WaitForConvergenceAsync(Converge);

        // Every committed transaction is at the leaf it was given, at every member, with a receipt that a quorum of
        // members cosigned and that verifies offline against the genesis.
        var terms = (ConsortiumGenesisPayload)TransactionPayloads.Decode(Founding.ReadGenesis(NetworkLayout.GenesisPath(network.Directory)).Transaction);
        var cosigners = terms.CosignerSet().Select(m => m.CosignerKey).ToArray();
        Assert.True(committed.Count >= 600, $"{committed.Count} commits");
        foreach (var (id, (leaf, _)) in committed)
        {
            Assert.True(leaf < size, $"transaction {id} was committed at leaf {leaf} but the members hold {size}");
        }

        var sample = committed.Keys.Where((_, i) => i % 10 == 0).ToArray();
        for (var member = 0; member < 3; member++)
        {
            foreach (var id in sample)
            {
                var receipt = Receipts.Parse(await network.Http.GetStringAsync(new Uri($"{network.Members[member].Url}/ledger/receipts/{id}")));
                Assert.Equal(committed[id].Leaf, receipt.LeafIndex);
                var verified = Receipts.Verify(receipt, cosigners, terms.Quorum);
                Assert.True(verified.Valid, verified.Error);
            }
        }

        var roots = await Task.WhenAll(Enumerable.Range(0, 3).Select(m => network.Http.GetStringAsync(new Uri($"{network.Members[m].Url}/ledger/checkpoint"))));
        Assert.Single(roots.Select(r => SignedNote.Parse(r).Text).Distinct());

        await network.DownAsync();
        AssertEverythingStopped(network);
        AssertNoTwoCosignedRootsForOneSize(network);
        // The members' state is on the network's PostgreSQL: 'verify' reads it there.
        network.Network.Layout.Postgres!.Start();
        for (var member = 0; member < 3; member++)
        {
            var verify = await CareLedgerProcess.RunAsync(TimeSpan.FromMinutes(2), "verify", "--data", network.MemberData(member));
            Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
            var evidence = Path.Combine(network.MemberData(member), "consortium", "evidence");
            Assert.False(Directory.Exists(evidence), $"member {member} raised an alarm: " + (Directory.Exists(evidence) ? string.Join("\n", Directory.GetFiles(evidence).Select(File.ReadAllText)) : ""));
        }
    }

    [Fact]
    public async Task A_member_whose_database_was_tampered_with_is_detected_at_the_next_checkpoint()
    {
        await using var network = await RunningNetwork.UpAsync();
        using var author = network.NodeKey(0);
        for (var i = 0; i < 5; i++)
        {
            Assert.True((await network.SubmitAsync(0, Anchor(author), CancellationToken.None)).Committed);
        }

        var before = await network.WaitForConvergenceAsync(Converge);
        network.Network.StopMember(2);

        // Someone with access to member 3's database marks member 1's node key revoked: member 3 will now judge
        // member 1's transactions differently from everyone else.
        Assert.Equal(1, network.ExecuteOnState(2, "UPDATE keys SET revoked_leaf = 1 WHERE id = @id", author.Id.ToArray()));

        await network.RestartStoppedAsync();
        using var second = network.NodeKey(1);
        var judgedDifferently = await network.SubmitAsync(0, Anchor(author), CancellationToken.None);
        var judgedAlike = network.SubmitAsync(1, Anchor(second), CancellationToken.None);

        // Members 1 and 2 are a quorum: member 1's transaction commits without member 3, which refuses it; member 2's
        // transaction lands at different leaves at member 3 and at the others, so their next checkpoints differ.
        Assert.True(judgedDifferently.Committed);
        foreach (var honest in new[] { 0, 1 })
        {
            var alarm = await AlarmAsync(network, honest);
            Assert.Equal("divergence", alarm.GetProperty("kind").GetString());
            Assert.Equal(network.Members[2].Name, alarm.GetProperty("member").GetString());
            Assert.Contains($"tree size {before + 1}", alarm.GetProperty("description").GetString(), StringComparison.Ordinal);
        }

        // Member 3 halts too once it has applied the size the others' cosignatures name (it judges a checkpoint only then,
        // ADR 0008): a moment after the others, so it is awaited, not read at once.
        await AlarmAsync(network, 2);
        Assert.Equal("alarm", (await network.HealthAsync(2))!.Value.GetProperty("status").GetString());
        // Whether member 2's transaction committed before the alarm halted the members is a race; either way it is answered.
        await judgedAlike.ContinueWith(_ => { }, TaskScheduler.Default);
        Assert.Contains("careledger_consortium_alarm 1", await network.Http.GetStringAsync(new Uri(network.Members[0].Url + "/metrics")), StringComparison.Ordinal);
        Assert.Contains("CONSORTIUM ALARM (divergence) naming member 'member3.local'", network.MemberLog(0), StringComparison.Ordinal);
        using var refused = await network.Http.PostAsync(new Uri(network.Members[0].Url + "/ledger/transactions"), new ByteArrayContent(Anchor(author).Encoded.ToArray()));
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, refused.StatusCode);

        // 'network down --purge' stops every process, the halted members too, and deletes the network and its cluster.
        var cluster = network.Network.Layout.Postgres!;
        Assert.True(Directory.Exists(cluster.Directory));
        await network.DownAsync(purge: true);
        AssertEverythingStopped(network);
        Assert.False(Directory.Exists(cluster.Directory));
        Assert.False(Directory.Exists(network.Directory));
    }

    [Fact]
    public async Task A_member_whose_key_cosigns_a_second_root_for_one_size_is_detected_and_named()
    {
        await using var network = await RunningNetwork.UpAsync("--store", "sqlite");
        Assert.Null(network.Network.Layout.Postgres);
        Assert.True(File.Exists(Path.Combine(network.MemberData(1), "state.db")));
        using var author = network.NodeKey(0);
        Assert.True((await network.SubmitAsync(0, Anchor(author), CancellationToken.None)).Committed);
        var size = await network.WaitForConvergenceAsync(Converge);

        // Member 2's cosigner key signs another root for a size it already cosigned, and it is published where
        // cosignatures go: what a compromised or lying member would do to show different histories to different parties.
        var terms = (ConsortiumGenesisPayload)TransactionPayloads.Decode(Founding.ReadGenesis(NetworkLayout.GenesisPath(network.Directory)).Transaction);
        using (var cosigner = CosignerKey.Load(Path.Combine(network.MemberData(1), "keys", NodeKeys.CosignerKeyFile)))
        {
            var forged = new Checkpoint(terms.Origin, size, RandomNumberGenerator.GetBytes(32)).ToNoteText();
            await using var nats = new NatsConnection(NatsOpts.Default with { Url = network.Network.Layout.NatsUrls });
            await new CosignatureStream(nats, terms.Network, replicas: 3).PublishAsync(new SignedNote(forged, [cosigner.Cosign(forged, DateTimeOffset.UtcNow)]), cosigner.VerifierKey);
        }

        foreach (var honest in new[] { 0, 2 })
        {
            var alarm = await AlarmAsync(network, honest);
            Assert.Equal("equivocation", alarm.GetProperty("kind").GetString());
            Assert.Equal(network.Members[1].Name, alarm.GetProperty("member").GetString());
            var evidence = Directory.GetFiles(Path.Combine(network.MemberData(honest), "consortium", "evidence"));
            Assert.Contains(network.Members[1].Name, File.ReadAllText(Assert.Single(evidence)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_network_on_a_given_postgres_server_commits_with_each_members_state_and_vault_in_a_schema_of_its_own()
    {
        var server = PostgresServer.Shared;
        await using var network = await RunningNetwork.UpAsync("--postgres", server.ConnectionString);
        Assert.Null(network.Network.Layout.Postgres);
        using var author = network.NodeKey(2);

        var submitted = await network.SubmitAsync(2, Anchor(author), CancellationToken.None);
        var size = await network.WaitForConvergenceAsync(Converge);

        Assert.True(submitted.Committed);
        Assert.Equal(2, size);
        var schemas = new List<string>();
        for (var member = 0; member < 3; member++)
        {
            Assert.False(File.Exists(Path.Combine(network.MemberData(member), "state.db")));
            Assert.False(File.Exists(Path.Combine(network.MemberData(member), "vault.db")));
            using var config = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(network.MemberData(member), "node.json")));
            schemas.Add(config.RootElement.GetProperty("postgres").GetProperty("schema").GetString()!);
        }

        Assert.Equal(3, schemas.Distinct().Count());
        await using var connection = new Npgsql.NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        foreach (var schema in schemas)
        {
            await using var command = new Npgsql.NpgsqlCommand($"SELECT value FROM {schema}.meta WHERE name = 'applied_count'", connection);
            Assert.Equal("2", await command.ExecuteScalarAsync());
        }
    }

    private static async Task WriteUntilStoppedAsync(RunningNetwork network, int member, AuthorKey key, ConcurrentDictionary<TxId, (long, int)> committed, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var tx = Anchor(key);
            // A submission that failed (member or server down) is retried as the same transaction: it is applied once.
            for (var attempt = 0; attempt < 3 && !stop.IsCancellationRequested; attempt++)
            {
                try
                {
                    var (ok, leaf) = await network.SubmitAsync(member, tx, stop);
                    if (ok)
                    {
                        committed[tx.Transaction.Id] = (leaf, member);
                        break;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                }

                await Task.Delay(200, CancellationToken.None);
            }
        }
    }

    private static void AssertEverythingStopped(RunningNetwork network)
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(network.Network.MemberPid(i));
            Assert.Null(network.Network.NatsPid(i));
        }

        Assert.False(network.Network.Layout.Postgres?.IsRunning() ?? false, "the network's PostgreSQL still runs");
    }

    /// <summary>Every checkpoint any member cosigned or saw committed: one root per size, across all members.</summary>
    private static void AssertNoTwoCosignedRootsForOneSize(RunningNetwork network)
    {
        var roots = new Dictionary<long, string>();
        var seen = 0;
        for (var member = 0; member < 3; member++)
        {
            using var connection = new SqliteConnection($"Data Source={Path.Combine(network.MemberData(member), "checkpoints", "checkpoints.db")};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT size, note FROM checkpoints UNION ALL SELECT size, note FROM commits";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var root = Checkpoint.Parse(SignedNote.Parse(reader.GetString(1)).Text).RootHash;
                var text = Convert.ToBase64String(root);
                Assert.True(!roots.TryGetValue(reader.GetInt64(0), out var earlier) || earlier == text, $"two different cosigned roots for size {reader.GetInt64(0)}");
                roots[reader.GetInt64(0)] = text;
                seen++;
            }
        }

        Assert.True(seen > 10, $"only {seen} checkpoints stored");
    }

    private static async Task<JsonElement> AlarmAsync(RunningNetwork network, int member)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await network.HealthAsync(member) is { } health && health.GetProperty("alarms").GetArrayLength() > 0)
            {
                return health.GetProperty("alarms")[0];
            }

            await Task.Delay(100);
        }

        var everyone = await Task.WhenAll(Enumerable.Range(0, network.Members.Count).Select(network.HealthAsync));
        throw new TimeoutException($"member {member} raised no alarm: {string.Join(" | ", everyone)}");
    }

    private static SignedTransaction Anchor(AuthorKey key) =>
        SignedTransaction.Sign(Transaction.Create(new AnchorPayload("fault-test", RandomNumberGenerator.GetBytes(32), []), key.Id, TimeProvider.System), key);
}

/// <summary>The consortium process tests run one at a time: each starts six processes on a two-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsortiumProcesses
{
    public const string Name = "consortium processes";
}
