using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.State;

/// <summary>
/// A consortium's member history, quorum history and open proposals, as its genesis and its proposal and vote
/// transactions made them (ADR 0008), with the deterministic rules that judge those transactions. Every member
/// derives the same object from the same log. <see cref="Check"/> judges a transaction at a leaf; <see cref="Apply"/>
/// applies an accepted one and says what it executed. Pure; not thread-safe: the rules work on a
/// <see cref="Clone"/> while they judge a batch.
/// </summary>
internal sealed class ConsortiumGovernance
{
    private readonly List<MemberRecord> members;
    private readonly List<(long FromLeaf, int Quorum)> quorums;
    private readonly Dictionary<TxId, OpenProposal> open;

    public ConsortiumGovernance(string network, IEnumerable<MemberRecord> members, IEnumerable<(long FromLeaf, int Quorum)> quorums, IEnumerable<OpenProposal>? open = null)
    {
        Network = network;
        this.members = [.. members];
        this.quorums = [.. quorums.OrderBy(q => q.FromLeaf)];
        this.open = (open ?? []).ToDictionary(p => p.Id);
        if (this.quorums.Count == 0)
        {
            throw new ArgumentException("a consortium has a quorum from its genesis on", nameof(quorums));
        }
    }

    public string Network { get; }

    /// <summary>Every member row ever, a rotation or departure ending one (<see cref="MemberRecord.UntilLeaf"/>).</summary>
    public IReadOnlyList<MemberRecord> History => members;

    public IReadOnlyCollection<OpenProposal> Open => open.Values;

    /// <summary>The governance of a network just founded by <paramref name="genesis"/> at leaf 0.</summary>
    public static ConsortiumGovernance Founded(ConsortiumGenesisPayload genesis) =>
        new(genesis.Network, genesis.Members.Select(m => Row(m, 0)), [(0, genesis.Quorum)]);

    /// <summary>The members whose cosignatures judge a checkpoint of <paramref name="treeSize"/> leaves.</summary>
    public IReadOnlyList<MemberRecord> MembersAt(long treeSize) => [.. members.Where(m => m.InForceAt(treeSize))];

    /// <summary>The quorum that commits a checkpoint of <paramref name="treeSize"/> leaves (changes at leaf L govern sizes &gt; L, except the genesis quorum).</summary>
    public int QuorumAt(long treeSize) => quorums.Last(q => q.FromLeaf == 0 || treeSize > q.FromLeaf).Quorum;

    public ConsortiumGovernance Clone() => new(Network, members, quorums, open.Values.Select(p => p with { Approvals = [.. p.Approvals], Rejections = [.. p.Rejections] }));

    /// <summary>Null when <paramref name="payload"/>, authored by <paramref name="author"/>, may be the transaction at <paramref name="leaf"/>; else why not.</summary>
    /// <param name="keyRegistered">Whether a key id is registered on the ledger (any role, revoked or not).</param>
    public RuleVerdict? Check(KeyId author, ITransactionPayload payload, long leaf, Func<KeyId, bool> keyRegistered)
    {
        var (network, what) = payload switch
        {
            ConsortiumProposalPayload proposal => (proposal.Network, "propose"),
            ConsortiumVotePayload vote => (vote.Network, "vote"),
            _ => throw new ArgumentException($"{payload.Type} is not a governance transaction", nameof(payload)),
        };
        if (network != Network)
        {
            return RuleVerdict.Rejected(RejectionCodes.BadPayload, $"this network is '{Network}', not '{network}'");
        }

        // Only a member in force, by its organisation key, may propose or vote.
        if (MembersAt(leaf).FirstOrDefault(m => m.OrganisationKey == author) is not { } member)
        {
            return RuleVerdict.Rejected(RejectionCodes.NotAuthorised, $"only the organisation key of a member in force may {what}; key {author} is none");
        }

        if (payload is ConsortiumVotePayload ballot)
        {
            if (!open.TryGetValue(ballot.Proposal, out var proposal))
            {
                return RuleVerdict.Rejected(RejectionCodes.NotAuthorised, $"proposal {ballot.Proposal} is not open (unknown, executed or rejected)");
            }

            return proposal.Approvals.Contains(member.Name) || proposal.Rejections.Contains(member.Name)
                ? RuleVerdict.Rejected(RejectionCodes.NotAuthorised, $"member '{member.Name}' already voted on proposal {ballot.Proposal}")
                : null;
        }

        return Problem((ConsortiumProposalPayload)payload, leaf, keyRegistered) is { } problem
            ? RuleVerdict.Rejected(RejectionCodes.BadPayload, problem)
            : null;
    }

    /// <summary>Applies an accepted governance transaction at <paramref name="leaf"/>; returns the proposal it executed, if any.</summary>
    public Execution? Apply(TxId id, KeyId author, ITransactionPayload payload, long leaf, Func<KeyId, bool> keyRegistered)
    {
        var voter = MembersAt(leaf).First(m => m.OrganisationKey == author).Name;
        OpenProposal proposal;
        if (payload is ConsortiumProposalPayload proposed)
        {
            proposal = new OpenProposal(id, leaf, proposed, voter, [voter], []);
            open.Add(id, proposal);
        }
        else
        {
            var vote = (ConsortiumVotePayload)payload;
            proposal = open[vote.Proposal];
            (vote.Approve ? proposal.Approvals : proposal.Rejections).Add(voter);
        }

        // Votes count only while their members are in force; the quorum is the one in force where the vote lands.
        var inForce = MembersAt(leaf).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var quorum = QuorumAt(leaf);
        if (proposal.Approvals.Count(inForce.Contains) >= quorum)
        {
            open.Remove(proposal.Id);
            // What was valid when proposed may not be any more (another change executed meanwhile): then nothing changes.
            return Problem(proposal.Payload, leaf, keyRegistered) is { } stale
                ? new Execution(proposal, leaf, Executed: false, stale)
                : Execute(proposal, leaf);
        }

        if (proposal.Rejections.Count(inForce.Contains) > inForce.Count - quorum)
        {
            open.Remove(proposal.Id);
            return new Execution(proposal, leaf, Executed: false, "rejected by more members than can still let it pass");
        }

        return null;
    }

    private Execution Execute(OpenProposal proposal, long leaf)
    {
        var payload = proposal.Payload;
        var ended = new List<MemberRecord>();
        var added = new List<MemberRecord>();
        switch (payload.Action)
        {
            case ProposalAction.Join:
                added.Add(Row(payload.Member!, leaf));
                break;
            case ProposalAction.Leave:
                ended.Add(Current(payload.MemberName!));
                break;
            case ProposalAction.RotateKey:
                ended.Add(Current(payload.Member!.Name));
                added.Add(Row(payload.Member, leaf) with { Organisation = ended[0].Organisation });
                break;
            case ProposalAction.Quorum:
                quorums.Add((leaf, payload.Quorum));
                break;
        }

        foreach (var member in ended)
        {
            members[members.IndexOf(member)] = member with { UntilLeaf = leaf };
        }

        members.AddRange(added);
        return new Execution(proposal, leaf, Executed: true, null, ended, added);
    }

    /// <summary>Whether the proposal can take effect at <paramref name="leaf"/> (the network and the author are checked elsewhere).</summary>
    private string? Problem(ConsortiumProposalPayload proposal, long leaf, Func<KeyId, bool> keyRegistered)
    {
        var inForce = MembersAt(leaf);
        var quorum = QuorumAt(leaf);
        switch (proposal.Action)
        {
            case ProposalAction.Join:
                var joining = proposal.Member!;
                if (members.Any(m => m.Name == joining.Name))
                {
                    return $"the name '{joining.Name}' is (or was) a member's";
                }

                if (inForce.Count >= ConsortiumGenesisPayload.MaxMembers)
                {
                    return $"a network has at most {ConsortiumGenesisPayload.MaxMembers} members";
                }

                return NewKeysProblem(joining, null, keyRegistered);
            case ProposalAction.Leave:
                if (inForce.All(m => m.Name != proposal.MemberName))
                {
                    return $"'{proposal.MemberName}' is not a member in force";
                }

                return inForce.Count - 1 < quorum ? $"without '{proposal.MemberName}' fewer members than the quorum ({quorum}) would remain" : null;
            case ProposalAction.RotateKey:
                var rotated = proposal.Member!;
                if (inForce.FirstOrDefault(m => m.Name == rotated.Name) is not { } current)
                {
                    return $"'{rotated.Name}' is not a member in force";
                }

                return NewKeysProblem(rotated, current, keyRegistered)
                    ?? (rotated.OrganisationKey == current.OrganisationKey && rotated.NodeKey == current.NodeKey && rotated.CosignerVerifierKey == current.CosignerVerifierKey
                        ? "the rotation changes no key" : null);
            default:
                return proposal.Quorum > inForce.Count ? $"a quorum of {proposal.Quorum} is more than the {inForce.Count} members in force" : null;
        }
    }

    /// <summary>A joining or rotating member's keys must be new to the ledger, except those it keeps (<paramref name="current"/>).</summary>
    private string? NewKeysProblem(FoundingMember member, MemberRecord? current, Func<KeyId, bool> keyRegistered)
    {
        if (member.OrganisationKey != current?.OrganisationKey && keyRegistered(member.OrganisationKey))
        {
            return $"the organisation key {member.OrganisationKey} is already registered";
        }

        if (member.NodeKey != current?.NodeKey && keyRegistered(member.NodeKey))
        {
            return $"the node key {member.NodeKey} is already registered";
        }

        if (member.OrganisationKey == member.NodeKey)
        {
            return "the organisation and node keys must differ";
        }

        return member.CosignerVerifierKey != current?.CosignerVerifierKey && members.Any(m => m.CosignerVerifierKey == member.CosignerVerifierKey)
            ? "the cosigner key is (or was) another member's"
            : null;
    }

    private MemberRecord Current(string name) => members.Last(m => m.Name == name && m.UntilLeaf is null);

    private static MemberRecord Row(FoundingMember member, long leaf) =>
        new(member.Name, member.OrganisationName, member.OrganisationKey, member.NodeKey, member.CosignerVerifierKey, leaf, null);

    /// <summary>A proposal not yet executed or rejected, with the members that approved and rejected it.</summary>
    internal sealed record OpenProposal(TxId Id, long Leaf, ConsortiumProposalPayload Payload, string Proposer, HashSet<string> Approvals, HashSet<string> Rejections);

    /// <summary>
    /// A proposal closed at <paramref name="Leaf"/>: executed (the member rows it ended and added; keys to revoke and
    /// register follow from them) or not (<paramref name="Reason"/>).
    /// </summary>
    internal sealed record Execution(OpenProposal Proposal, long Leaf, bool Executed, string? Reason, IReadOnlyList<MemberRecord>? Ended = null, IReadOnlyList<MemberRecord>? Added = null)
    {
        /// <summary>
        /// The author keys an executed proposal registers and revokes at its leaf (decision 3 of ADR 0008): a joining
        /// member's organisation and node keys; a leaving member's; a rotation's replaced keys out and new keys in (keys
        /// it keeps stay). Keys already revoked are left as they are. Shared by the rules and the state, so both agree.
        /// </summary>
        /// <param name="find">A key as registered before this leaf, or null.</param>
        public (IReadOnlyList<KeyRegisteredPayload> Register, IReadOnlyList<KeyId> Revoke) KeyChanges(Func<KeyId, KeyRecord?> find)
        {
            if (!Executed)
            {
                return ([], []);
            }

            var incoming = Proposal.Payload.Member;
            var ended = Ended ?? [];
            var revoke = new List<KeyId>();
            foreach (var member in ended)
            {
                foreach (var key in new[] { member.OrganisationKey, member.NodeKey })
                {
                    if (key != incoming?.OrganisationKey && key != incoming?.NodeKey && find(key) is { IsRevoked: false })
                    {
                        revoke.Add(key);
                    }
                }
            }

            var register = new List<KeyRegisteredPayload>();
            if (incoming is not null && Added is [var added, ..])
            {
                if (find(incoming.OrganisationKey) is null)
                {
                    register.Add(new KeyRegisteredPayload(incoming.OrganisationKeySpki, KeyRoles.Organisation, added.Organisation));
                }

                if (find(incoming.NodeKey) is null)
                {
                    register.Add(new KeyRegisteredPayload(incoming.NodeKeySpki, KeyRoles.Node, incoming.NodeKeyLabel));
                }
            }

            return (register, revoke);
        }
    }
}

/// <summary>A consortium's governance as applied: the members in force and since which size, the quorum, the open proposals (for people and the API).</summary>
public sealed record GovernanceView(IReadOnlyList<MemberRecord> Members, int Quorum, IReadOnlyList<OpenProposalView> OpenProposals, IReadOnlyList<MemberRecord> History)
{
    internal static GovernanceView Of(ConsortiumGovernance governance) => new(
        governance.MembersAt(long.MaxValue),
        governance.QuorumAt(long.MaxValue),
        [.. governance.Open.OrderBy(p => p.Leaf).Select(p => new OpenProposalView(p.Id, p.Leaf, p.Payload, p.Proposer, [.. p.Approvals.Order(StringComparer.Ordinal)], [.. p.Rejections.Order(StringComparer.Ordinal)]))],
        governance.History);
}

/// <summary>A proposal still open, with the members that approved (its proposer first among them) and rejected it.</summary>
public sealed record OpenProposalView(TxId Id, long Leaf, ConsortiumProposalPayload Payload, string Proposer, IReadOnlyList<string> Approvals, IReadOnlyList<string> Rejections);
