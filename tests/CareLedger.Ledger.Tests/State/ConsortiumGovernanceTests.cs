using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Tests.State;

/// <summary>
/// The governance rules of ADR 0008 on a network of three founders (quorum 2): proposals and votes by members'
/// organisation keys, execution at the vote that reaches the quorum in force, and the member set by size.
/// </summary>
public sealed class ConsortiumGovernanceTests : IDisposable
{
    private const string Network = "net";

    private readonly List<IDisposable> owned = [];
    private readonly (AuthorKey Organisation, FoundingMember Member)[] founders;
    private readonly HashSet<KeyId> registered = [];
    private readonly ConsortiumGovernance governance;
    private long leaf = 1;

    public ConsortiumGovernanceTests()
    {
        founders = [.. Enumerable.Range(0, 3).Select(i => NewMember($"m{i}"))];
        var genesis = ConsortiumGenesisPayload.Draft("careledger.test/net", Network, 2, 1000, 100, founders.Select(f => f.Member));
        governance = ConsortiumGovernance.Founded(genesis);
        foreach (var (_, member) in founders)
        {
            registered.Add(member.OrganisationKey);
            registered.Add(member.NodeKey);
        }
    }

    public void Dispose()
    {
        foreach (var key in owned)
        {
            key.Dispose();
        }
    }

    private (AuthorKey Organisation, FoundingMember Member) NewMember(string name)
    {
        var organisation = AuthorKey.Generate();
        var node = AuthorKey.Generate();
        var cosigner = CosignerKey.Generate(name + "/cosigner");
        owned.AddRange([organisation, node, cosigner]);
        return (organisation, new FoundingMember(name, "Organisation " + name, organisation.PublicKeySpki, node.PublicKeySpki, cosigner.VerifierKey.ToVkey()));
    }

    /// <summary>Judges and, if accepted, applies one governance transaction at the next leaf.</summary>
    private (RuleVerdict? Refusal, ConsortiumGovernance.Execution? Closed, TxId Id, long Leaf) Submit(AuthorKey author, ITransactionPayload payload)
    {
        var at = leaf++;
        var id = TxId.NewId(TimeProvider.System);
        var refusal = governance.Check(author.Id, payload, at, registered.Contains);
        return refusal is null ? (null, governance.Apply(id, author.Id, payload, at, registered.Contains), id, at) : (refusal, null, id, at);
    }

    private string[] NamesAt(long size) => [.. governance.MembersAt(size).Select(m => m.Name).Order(StringComparer.Ordinal)];

    [Fact]
    public void A_fourth_member_joins_when_a_second_member_approves_and_counts_from_the_next_checkpoint()
    {
        var (_, joining) = NewMember("m3");
        var proposal = Submit(founders[0].Organisation, ConsortiumProposalPayload.Join(Network, joining));
        Assert.Null(proposal.Refusal);
        Assert.Null(proposal.Closed);
        Assert.Equal(["m0", "m1", "m2"], NamesAt(long.MaxValue));

        var vote = Submit(founders[1].Organisation, new ConsortiumVotePayload(Network, proposal.Id, Approve: true));

        Assert.True(vote.Closed!.Executed);
        Assert.Equal("m3", Assert.Single(vote.Closed.Added!).Name);
        Assert.Equal(["m0", "m1", "m2"], NamesAt(vote.Leaf));
        Assert.Equal(["m0", "m1", "m2", "m3"], NamesAt(vote.Leaf + 1));
        Assert.Empty(governance.Open);
    }

    [Fact]
    public void A_proposal_without_the_quorum_changes_nothing_and_once_rejected_takes_no_more_votes()
    {
        var proposal = Submit(founders[0].Organisation, ConsortiumProposalPayload.Leave(Network, "m2"));
        var no = Submit(founders[1].Organisation, new ConsortiumVotePayload(Network, proposal.Id, Approve: false));
        Assert.Null(no.Closed);
        Assert.Equal(["m0", "m1", "m2"], NamesAt(long.MaxValue));

        var secondNo = Submit(founders[2].Organisation, new ConsortiumVotePayload(Network, proposal.Id, Approve: false));
        Assert.False(secondNo.Closed!.Executed);
        Assert.Equal(["m0", "m1", "m2"], NamesAt(long.MaxValue));
        Assert.Equal(2, governance.QuorumAt(long.MaxValue));

        var late = Submit(founders[1].Organisation, new ConsortiumVotePayload(Network, proposal.Id, Approve: true));
        Assert.Equal(RejectionCodes.NotAuthorised, late.Refusal!.Value.Code);
    }

    [Fact]
    public void A_vote_by_a_key_that_is_not_a_members_organisation_key_or_a_second_vote_is_refused()
    {
        var (outsider, joining) = NewMember("m3");
        var proposal = Submit(founders[0].Organisation, ConsortiumProposalPayload.Join(Network, joining));

        // The joining member's own key, before it joined; a founder's node key; the proposer again; another network.
        Assert.Equal(RejectionCodes.NotAuthorised, Submit(outsider, new ConsortiumVotePayload(Network, proposal.Id, true)).Refusal!.Value.Code);
        using var node = AuthorKey.Generate();
        registered.Add(node.Id);
        Assert.Equal(RejectionCodes.NotAuthorised, Submit(node, new ConsortiumVotePayload(Network, proposal.Id, true)).Refusal!.Value.Code);
        Assert.Equal(RejectionCodes.NotAuthorised, Submit(founders[0].Organisation, new ConsortiumVotePayload(Network, proposal.Id, true)).Refusal!.Value.Code);
        Assert.Equal(RejectionCodes.BadPayload, Submit(founders[1].Organisation, new ConsortiumVotePayload("other", proposal.Id, true)).Refusal!.Value.Code);
        Assert.Equal(RejectionCodes.NotAuthorised, Submit(founders[1].Organisation, new ConsortiumVotePayload(Network, TxId.NewId(TimeProvider.System), true)).Refusal!.Value.Code);

        Assert.Equal(["m0", "m1", "m2"], NamesAt(long.MaxValue));
        Assert.Single(governance.Open);
    }

    [Fact]
    public void A_member_that_left_is_out_of_later_member_sets_and_may_no_longer_vote()
    {
        var proposal = Submit(founders[0].Organisation, ConsortiumProposalPayload.Leave(Network, "m2"));
        var executed = Submit(founders[1].Organisation, new ConsortiumVotePayload(Network, proposal.Id, true));
        Assert.True(executed.Closed!.Executed);
        Assert.Equal(["m0", "m1", "m2"], NamesAt(executed.Leaf));
        Assert.Equal(["m0", "m1"], NamesAt(executed.Leaf + 1));

        var quorum = Submit(founders[0].Organisation, ConsortiumProposalPayload.ChangeQuorum(Network, 1));
        Assert.Equal(RejectionCodes.NotAuthorised, Submit(founders[2].Organisation, new ConsortiumVotePayload(Network, quorum.Id, true)).Refusal!.Value.Code);
        // With two members and quorum 2, neither may leave now.
        Assert.Equal(RejectionCodes.BadPayload, Submit(founders[1].Organisation, ConsortiumProposalPayload.Leave(Network, "m0")).Refusal!.Value.Code);
    }

    [Fact]
    public void A_key_rotation_ends_the_old_row_and_starts_a_new_one_at_the_executing_vote()
    {
        var (newOrganisation, replacement) = NewMember("m1");
        var proposal = Submit(founders[1].Organisation, ConsortiumProposalPayload.RotateKey(Network, replacement));
        var executed = Submit(founders[2].Organisation, new ConsortiumVotePayload(Network, proposal.Id, true));

        Assert.True(executed.Closed!.Executed);
        Assert.Equal(founders[1].Member.CosignerVerifierKey, governance.MembersAt(executed.Leaf).Single(m => m.Name == "m1").CosignerVerifierKey);
        Assert.Equal(replacement.CosignerVerifierKey, governance.MembersAt(executed.Leaf + 1).Single(m => m.Name == "m1").CosignerVerifierKey);
        Assert.Equal(2, governance.History.Count(m => m.Name == "m1"));

        // The old organisation key no longer speaks for m1; the new one does.
        var quorum = Submit(founders[0].Organisation, ConsortiumProposalPayload.ChangeQuorum(Network, 3));
        Assert.Equal(RejectionCodes.NotAuthorised, Submit(founders[1].Organisation, new ConsortiumVotePayload(Network, quorum.Id, true)).Refusal!.Value.Code);
        registered.Add(newOrganisation.Id);
        var changed = Submit(newOrganisation, new ConsortiumVotePayload(Network, quorum.Id, true));
        Assert.True(changed.Closed!.Executed);
        Assert.Equal(2, governance.QuorumAt(changed.Leaf));
        Assert.Equal(3, governance.QuorumAt(changed.Leaf + 1));
    }

    [Fact]
    public void A_join_with_a_registered_key_or_a_used_name_and_a_quorum_above_the_members_are_refused()
    {
        var (_, fresh) = NewMember("m9");
        Assert.Equal(RejectionCodes.BadPayload, Submit(founders[0].Organisation, ConsortiumProposalPayload.Join(Network, fresh with { Name = "m1" })).Refusal!.Value.Code);
        Assert.Equal(RejectionCodes.BadPayload, Submit(founders[0].Organisation, ConsortiumProposalPayload.Join(Network, fresh with { NodeKeySpki = founders[2].Member.NodeKeySpki })).Refusal!.Value.Code);
        Assert.Equal(RejectionCodes.BadPayload, Submit(founders[0].Organisation, ConsortiumProposalPayload.Join(Network, fresh with { CosignerVerifierKey = founders[2].Member.CosignerVerifierKey })).Refusal!.Value.Code);
        Assert.Equal(RejectionCodes.BadPayload, Submit(founders[0].Organisation, ConsortiumProposalPayload.ChangeQuorum(Network, 4)).Refusal!.Value.Code);
        Assert.Empty(governance.Open);
    }

    [Fact]
    public void The_rules_work_on_a_clone_without_touching_the_original()
    {
        var clone = governance.Clone();
        var proposal = TxId.NewId(TimeProvider.System);
        clone.Apply(proposal, founders[0].Organisation.Id, ConsortiumProposalPayload.ChangeQuorum(Network, 3), 1, registered.Contains);
        clone.Apply(TxId.NewId(TimeProvider.System), founders[1].Organisation.Id, new ConsortiumVotePayload(Network, proposal, true), 2, registered.Contains);

        Assert.Equal(3, clone.QuorumAt(3));
        Assert.Equal(2, governance.QuorumAt(3));
        Assert.Empty(governance.Open);
    }
}
