using CareLedger.Ledger.Consortium;
using CareLedger.Ledger.Consortium.Bootstrap;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Tests.Consortium.Ordering;
using CareLedger.Ledger.Tests.Engine;
using CareLedger.Ledger.Tests.Transactions;
using CareLedger.Ledger.Transactions;
using CareLedger.Storage;
using CareLedger.Testing;

namespace CareLedger.Ledger.Tests.Consortium.Network;

/// <summary>
/// Governance applied by real members on a real nats-server (ADR 0008, ADR 0010): proposals and votes on the ledger,
/// a member voted in and bootstrapped from another member's snapshot, the quorum raised and lowered, a member voted
/// out, a key rotated; with the members' state in SQLite files and in PostgreSQL schemas. One network per test, its
/// assertions in order, because each step builds on the member set the previous one left.
/// </summary>
public abstract class GovernanceEngineTests(NatsServerFixture server, StoreKind store)
{
    public sealed class OnSqlite(NatsServerFixture server) : GovernanceEngineTests(server, StoreKind.Sqlite), IClassFixture<NatsServerFixture>;

    public sealed class OnPostgres(NatsServerFixture server) : GovernanceEngineTests(server, StoreKind.Postgres), IClassFixture<NatsServerFixture>;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_member_voted_in_bootstraps_from_a_snapshot_and_counts_and_a_member_voted_out_stops_counting()
    {
        await using var network = await TestNetwork.StartAsync(server.Url, store);
        using var org0 = OrganisationKey(network.DataDirectory(0));
        using var org1 = OrganisationKey(network.DataDirectory(1));
        using var node0 = AuthorKey.Load(Path.Combine(network.DataDirectory(0), "keys", NodeKeys.NodeKeyFile));
        using var scratch = new TempDirectory("newcomer");
        var newcomerData = scratch.Combine("data");
        var name = $"member3.{network.Network}.test";
        FoundingMember descriptor;
        using (var keys = NodeKeys.Create(newcomerData, name, "Organisation " + name))
        {
            descriptor = keys.AsFoundingMember("Organisation " + name);
        }

        // Proposed by member 0 (its own approving vote): one of a quorum of two does nothing yet.
        var join = await Submit(network[0], ConsortiumProposalPayload.Join(network.Network, descriptor), org0);
        Assert.Equal(3, network[0].State.MembersAt(long.MaxValue).Count);
        var open = Assert.Single(network[0].State.Governance!.OpenProposals);
        Assert.Equal([network.Names[0]], open.Approvals);

        // Bad votes are refused and change nothing: the proposer again, a key that is no member's.
        var twice = await Refused(network[0], Vote(network, join.Id, approve: true), org0);
        Assert.Contains("already voted", twice.Message, StringComparison.Ordinal);
        using var stranger = AuthorKey.Generate();
        Assert.Equal(RejectionCodes.UnknownAuthor, (await Refused(network[0], Vote(network, join.Id, approve: true), stranger)).Code);

        // Before the vote that admits it, the newcomer's join replays the whole snapshot and is then refused (its keys are
        // no member's yet): nothing is left behind — no files, no tables in its PostgreSQL schema — so it joins later.
        var newcomerStore = store == StoreKind.Postgres ? PostgresServer.Shared.NewStore() : null;
        var tooEarly = Assert.Throws<SnapshotRejectedException>(() => LedgerEngine.JoinConsortiumFromSnapshot(newcomerData, network.Genesis, network[2].ExportSnapshot(), newcomerStore));
        Assert.Contains("not the key of a member in force", tooEarly.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(newcomerData, "log")));
        Assert.False(File.Exists(Path.Combine(newcomerData, "state.db")));
        if (newcomerStore is not null)
        {
            Assert.Equal(0, PostgresSessions.TablesIn(newcomerStore));
        }

        // Member 1's vote makes the quorum: the join executes at that leaf, at every member.
        var executing = await Submit(network[1], Vote(network, join.Id, approve: true), org1);
        await network.WaitForAllAsync(executing.LeafIndex + 1);
        for (var member = 0; member < 3; member++)
        {
            var admitted = Assert.Single(network[member].State.MembersAt(long.MaxValue), m => m.Name == name);
            Assert.Equal(executing.LeafIndex, admitted.FromLeaf);
            Assert.DoesNotContain(network[member].State.MembersAt(executing.LeafIndex), m => m.Name == name);
            Assert.Equal(KeyRoles.Node, network[member].State.FindKey(descriptor.NodeKey)?.Role);
        }

        Assert.Contains("not open", (await Refused(network[2], Vote(network, join.Id, approve: false), OrganisationKey(network.DataDirectory(2)))).Message, StringComparison.Ordinal);

        // The newcomer bootstraps from member 2's snapshot; a tampered one is refused first, leaving nothing behind.
        var snapshot = ConsortiumSnapshot.Decode(network[2].ExportSnapshot().Encode());
        var entries = snapshot.Entries.ToArray();
        var altered = entries[1].ToArray();
        altered[^1] ^= 1;
        entries[1] = altered;
        var refused = Assert.Throws<SnapshotRejectedException>(() =>
            LedgerEngine.JoinConsortiumFromSnapshot(newcomerData, network.Genesis, snapshot with { Entries = entries }, newcomerStore));
        Assert.Contains("altered", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(newcomerData, "log")));

        Assert.Equal(name, LedgerEngine.JoinConsortiumFromSnapshot(newcomerData, network.Genesis, snapshot, newcomerStore).Name);
        await using var newcomer = await LedgerEngine.OpenAsync(new LedgerOptions(newcomerData)
        {
            Consortium = new ConsortiumOptions(network.NatsUrl) { Replicas = 1 },
            Postgres = newcomerStore,
        }, CancellationToken.None);

        // The quorum raised to all four: from now on nothing commits without the newcomer's cosignature.
        var raise = await Submit(network[0], ConsortiumProposalPayload.ChangeQuorum(network.Network, 4), org0);
        await Submit(network[1], Vote(network, raise.Id, approve: true), org1);
        var anchored = await network[0].SubmitAsync(TestTransactions.SignedAnchor(node0)).AsTask().WaitAsync(Deadline);
        var commit = network[0].CommitPoint!;
        Assert.True(commit.Size > anchored.LeafIndex);
        Assert.Equal(4, commit.Members.Count);
        Assert.Contains(name, commit.Members);
        await WaitForAsync(() => newcomer.Size > anchored.LeafIndex && newcomer.CommitPoint?.Size > anchored.LeafIndex, () => network.Describe());
        Assert.Equal(network[0].RootHash(anchored.LeafIndex + 1), newcomer.RootHash(anchored.LeafIndex + 1));

        // Member 2 cannot be voted out while four are the quorum: the proposal is refused, not left open.
        var leave = ConsortiumProposalPayload.Leave(network.Network, network.Names[2]);
        Assert.Contains("fewer members than the quorum", (await Refused(network[0], leave, org0)).Message, StringComparison.Ordinal);

        // Lowered to three (all four agree, the newcomer with its own organisation key), then member 2 voted out.
        var lower = await Submit(network[0], ConsortiumProposalPayload.ChangeQuorum(network.Network, 3), org0);
        await Submit(network[1], Vote(network, lower.Id, approve: true), org1);
        using (var org2 = OrganisationKey(network.DataDirectory(2)))
        {
            await Submit(network[2], Vote(network, lower.Id, approve: true), org2);
        }

        await Submit(newcomer, Vote(network, lower.Id, approve: true), newcomer.Keys.Organisation);
        Assert.Equal(3, network[0].State.QuorumAt(long.MaxValue));
        var out2 = await Submit(network[0], leave, org0);
        await Submit(network[1], Vote(network, out2.Id, approve: true), org1);
        var left = await Submit(newcomer, Vote(network, out2.Id, approve: true), newcomer.Keys.Organisation);

        // Member 2 still runs and cosigns, but its cosignatures no longer count: commits are the other three's.
        var after = await network[0].SubmitAsync(TestTransactions.SignedAnchor(node0)).AsTask().WaitAsync(Deadline);
        Assert.True(after.LeafIndex > left.LeafIndex);
        await WaitForAsync(() => network[2].LatestOwnCheckpoint is { } own && CareLedger.Ledger.Checkpoints.Checkpoint.Parse(own.Text).Size > after.LeafIndex, () => network.Describe());
        var withoutMember2 = network[0].CommitPoint!;
        Assert.Equal([network.Names[0], network.Names[1], name], withoutMember2.Members.Order(StringComparer.Ordinal));
        Assert.Equal(left.LeafIndex, network[0].State.Governance!.History.Single(m => m.Name == network.Names[2]).UntilLeaf);
        Assert.NotNull(network[0].State.FindKey(network[0].State.Governance!.History.Single(m => m.Name == network.Names[2]).NodeKey)!.RevokedLeaf);
        Assert.All(new[] { network[0], network[1], network[2], newcomer }, engine => Assert.Empty(engine.Alarms));

        // The governance survives a restart: reloaded from the tables, the same members, quorum and no open proposal.
        await network.StopMemberAsync(0);
        await network.StartMemberAsync(0);
        Assert.Equal(newcomer.State.Governance!.History, network[0].State.Governance!.History);
        Assert.Equal(3, network[0].State.QuorumAt(long.MaxValue));
        Assert.Empty(network[0].State.Governance!.OpenProposals);

        // Offline verification replays the governance with the rules, finds the same tables, and judges each commit
        // point by the member set in force at its size; the newcomer's too, whose log began as a snapshot.
        await network.StopMemberAsync(0);
        var verified = await LedgerEngine.VerifyAsync(network.Options(0), null, CancellationToken.None);
        Assert.True(verified.Ok, verified.FirstProblem?.ToString());
        var newcomerOptions = new LedgerOptions(newcomerData) { Postgres = newcomerStore };
        await newcomer.DisposeAsync();
        var verifiedNewcomer = await LedgerEngine.VerifyAsync(newcomerOptions, null, CancellationToken.None);
        Assert.True(verifiedNewcomer.Ok, verifiedNewcomer.FirstProblem?.ToString());
    }

    [Fact]
    public async Task A_rotated_key_takes_over_at_the_executing_leaf_and_a_proposal_short_of_the_quorum_changes_nothing()
    {
        await using var network = await TestNetwork.StartAsync(server.Url, store);
        using var org0 = OrganisationKey(network.DataDirectory(0));
        using var org1 = OrganisationKey(network.DataDirectory(1));
        using var org2 = OrganisationKey(network.DataDirectory(2));
        using var scratch = new TempDirectory("rotation");

        // New keys for member 1, under its name.
        FoundingMember rotated;
        using (var keys = NodeKeys.Create(scratch.Path, network.Names[1], "Organisation " + network.Names[1]))
        {
            rotated = keys.AsFoundingMember("Organisation " + network.Names[1]);
        }

        // A quorum change with one approval of the two needed stays open and changes nothing.
        var idle = await Submit(network[0], ConsortiumProposalPayload.ChangeQuorum(network.Network, 3), org0);
        Assert.Equal(2, network[0].State.QuorumAt(long.MaxValue));
        Assert.Contains(network[0].State.Governance!.OpenProposals, p => p.Id == idle.Id);

        var rotation = await Submit(network[0], ConsortiumProposalPayload.RotateKey(network.Network, rotated), org0);
        var executing = await Submit(network[2], Vote(network, rotation.Id, approve: true), org2);
        await network.WaitForAllAsync(executing.LeafIndex + 1);
        var at = executing.LeafIndex;
        Assert.Equal(rotated.CosignerVerifierKey, network[0].State.MembersAt(at + 1).Single(m => m.Name == network.Names[1]).CosignerVerifierKey);
        Assert.NotEqual(rotated.CosignerVerifierKey, network[0].State.MembersAt(at).Single(m => m.Name == network.Names[1]).CosignerVerifierKey);
        Assert.Equal(at, network[0].State.FindKey(org1.Id)!.RevokedLeaf);
        Assert.Equal(KeyRoles.Organisation, network[0].State.FindKey(rotated.OrganisationKey)!.Role);

        // The replaced organisation key can no longer vote.
        Assert.Equal(RejectionCodes.RevokedAuthor, (await Refused(network[0], Vote(network, idle.Id, approve: true), org1)).Code);

        // Member 1 restarts with its new keys; with member 2 stopped, nothing commits without member 1's new key.
        await network.StopMemberAsync(2);
        await network.StopMemberAsync(1);
        foreach (var file in Directory.GetFiles(Path.Combine(scratch.Path, "keys")))
        {
            File.Copy(file, Path.Combine(network.DataDirectory(1), "keys", Path.GetFileName(file)), overwrite: true);
        }

        await network.StartMemberAsync(1);
        using var node1 = AuthorKey.Load(Path.Combine(network.DataDirectory(1), "keys", NodeKeys.NodeKeyFile));
        var written = await network[1].SubmitAsync(TestTransactions.SignedAnchor(node1)).AsTask().WaitAsync(Deadline);
        Assert.True(network[1].CommitPoint!.Size > written.LeafIndex);
        Assert.Equal([network.Names[0], network.Names[1]], network[1].CommitPoint!.Members.Order(StringComparer.Ordinal));
        Assert.Empty(network[0].Alarms);
        Assert.Empty(network[1].Alarms);
    }

    [Fact]
    public async Task A_member_behind_the_vote_that_raises_the_quorum_commits_by_the_raised_quorum_once_it_applied_it()
    {
        await using var network = await TestNetwork.StartAsync(server.Url, store);
        using var org0 = OrganisationKey(network.DataDirectory(0));
        using var org1 = OrganisationKey(network.DataDirectory(1));
        var raise = await Submit(network[0], ConsortiumProposalPayload.ChangeQuorum(network.Network, 3), org0);
        await network.WaitForAllAsync(raise.LeafIndex + 1);

        // Member 2 stops applying just before the vote that raises the quorum to three, and receives members 0's and
        // 1's cosignatures of the checkpoint that contains it while, by what it has applied, two are still a quorum.
        Task<SubmitResult> vote;
        long size;
        using (network.HoldStateWrites(2))
        {
            vote = Submit(network[1], Vote(network, raise.Id, approve: true), org1);
            size = 0;
            await WaitForAsync(
                () => network[0].LatestOwnCheckpoint is { } own && (size = CareLedger.Ledger.Checkpoints.Checkpoint.Parse(own.Text).Size) > network[2].Size
                      && network[2].CosignedRootSeen(network.Names[0], size) is not null && network[2].CosignedRootSeen(network.Names[1], size) is not null,
                () => network.Describe(),
                TimeSpan.FromSeconds(20));
        }

        // Once it has applied the vote, its own cosignature completes the quorum of three: every member commits.
        var executed = await vote;
        Assert.True(size > executed.LeafIndex);
        await network.WaitForAllAsync(size);
        Assert.Equal(3, network[2].State.QuorumAt(size));
        Assert.All(Enumerable.Range(0, 3), member => Assert.Equal(3, network[member].CommitPoint!.Members.Count));
        Assert.All(Enumerable.Range(0, 3), member => Assert.Empty(network[member].Alarms));
    }

    private static AuthorKey OrganisationKey(string dataDirectory) => AuthorKey.Load(Path.Combine(dataDirectory, "keys", NodeKeys.OrganisationKeyFile));

    private static ConsortiumVotePayload Vote(TestNetwork network, TxId proposal, bool approve) => new(network.Network, proposal, approve);

    private static async Task<SubmitResult> Submit(LedgerEngine engine, ITransactionPayload payload, AuthorKey key) =>
        await engine.SubmitAsync(TestTransactions.Signed(payload, key)).AsTask().WaitAsync(Deadline);

    private static async Task<TransactionRejectedException> Refused(LedgerEngine engine, ITransactionPayload payload, AuthorKey key) =>
        await Assert.ThrowsAsync<TransactionRejectedException>(() => Submit(engine, payload, key));

    private static async Task WaitForAsync(Func<bool> condition, Func<string> describe, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Deadline);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(describe());
            }

            await Task.Delay(20);
        }
    }
}
