using System.Formats.Cbor;

namespace CareLedger.Ledger.Transactions;

/// <summary>What a consortium proposal changes (ADR 0008). Values are persisted: never renumber.</summary>
public enum ProposalAction
{
    /// <summary>A new member joins: its descriptor.</summary>
    Join = 1,

    /// <summary>A member leaves: its name.</summary>
    Leave = 2,

    /// <summary>A member's keys are replaced: its new descriptor, under the same name.</summary>
    RotateKey = 3,

    /// <summary>The number of cosignatures that commit a checkpoint changes.</summary>
    Quorum = 4,
}

/// <summary>
/// A proposal to change a consortium network (ADR 0008), authored by the organisation key of a member in force.
/// Canonical CBOR {1: network (text), 2: action (uint, <see cref="ProposalAction"/>), 3: subject}: for
/// <see cref="ProposalAction.Join"/> and <see cref="ProposalAction.RotateKey"/> the member's descriptor (the map of a
/// genesis member), for <see cref="ProposalAction.Leave"/> the member's name (text), for
/// <see cref="ProposalAction.Quorum"/> the new quorum (uint). The proposal's transaction id is its id; the
/// proposer's own proposal counts as its approving vote.
/// </summary>
public sealed record ConsortiumProposalPayload(string Network, ProposalAction Action, FoundingMember? Member = null, string? MemberName = null, int Quorum = 0) : ITransactionPayload
{
    private const string Name = "ConsortiumProposal payload";

    public TxType Type => TxType.ConsortiumProposal;

    /// <summary>The member the proposal is about (joining, leaving or rotating), or null for a quorum change.</summary>
    public string? Subject => Member?.Name ?? MemberName;

    public static ConsortiumProposalPayload Join(string network, FoundingMember member) => new(network, ProposalAction.Join, Member: member);

    public static ConsortiumProposalPayload Leave(string network, string member) => new(network, ProposalAction.Leave, MemberName: member);

    public static ConsortiumProposalPayload RotateKey(string network, FoundingMember member) => new(network, ProposalAction.RotateKey, Member: member);

    public static ConsortiumProposalPayload ChangeQuorum(string network, int quorum) => new(network, ProposalAction.Quorum, Quorum: quorum);

    public byte[] Encode()
    {
        FieldRules.ThrowIfProblem(Problem(), Name);
        var writer = CanonicalCbor.NewWriter();
        writer.WriteStartMap(3);
        writer.WriteUInt32(1);
        writer.WriteTextString(Network);
        writer.WriteUInt32(2);
        writer.WriteUInt32((uint)Action);
        writer.WriteUInt32(3);
        switch (Action)
        {
            case ProposalAction.Join or ProposalAction.RotateKey:
                Member!.Write(writer);
                break;
            case ProposalAction.Leave:
                writer.WriteTextString(MemberName!);
                break;
            default:
                writer.WriteUInt32((uint)Quorum);
                break;
        }

        writer.WriteEndMap();
        return writer.Encode();
    }

    public static ConsortiumProposalPayload Decode(ReadOnlySpan<byte> payload)
    {
        var data = payload.ToArray();
        return CanonicalCbor.Decode(data, Name, reader => Read(reader, data), proposal => proposal.Encode());
    }

    private static ConsortiumProposalPayload Read(CborReader reader, ReadOnlyMemory<byte> data)
    {
        CanonicalCbor.ReadMapStart(reader, Name, 3, 3);
        CanonicalCbor.ExpectKey(reader, 1, Name, "network");
        var network = CanonicalCbor.ReadText(reader, Name, "network", ConsortiumGenesisPayload.MaxNetworkLength);
        CanonicalCbor.ExpectKey(reader, 2, Name, "action");
        var action = CanonicalCbor.ReadUInt(reader, Name, "action") switch
        {
            1 => ProposalAction.Join,
            2 => ProposalAction.Leave,
            3 => ProposalAction.RotateKey,
            4 => ProposalAction.Quorum,
            var other => throw new InvalidTransactionException(TransactionErrors.InvalidField, $"{Name}: action {other} is unknown"),
        };
        CanonicalCbor.ExpectKey(reader, 3, Name, "subject");
        var proposal = action switch
        {
            ProposalAction.Join or ProposalAction.RotateKey => new ConsortiumProposalPayload(network, action, Member: FoundingMember.Read(reader, data)),
            ProposalAction.Leave => new ConsortiumProposalPayload(network, action, MemberName: CanonicalCbor.ReadText(reader, Name, "member", GenesisPayload.MaxOriginLength)),
            _ => new ConsortiumProposalPayload(network, action, Quorum: (int)Math.Min(CanonicalCbor.ReadUInt(reader, Name, "quorum"), int.MaxValue)),
        };
        reader.ReadEndMap();
        FieldRules.RejectIfProblem(proposal.Problem(), Name);
        return proposal;
    }

    /// <summary>What makes this proposal malformed (its fields, not whether the network may accept it), or null.</summary>
    public string? Problem() =>
        ConsortiumGenesisPayload.NetworkProblem(Network) ?? Action switch
        {
            ProposalAction.Join or ProposalAction.RotateKey => Member is null ? "a join or key rotation names the member's descriptor"
                : MemberName is not null || Quorum != 0 ? "a join or key rotation carries only the member's descriptor"
                : Member.Problem(),
            ProposalAction.Leave => MemberName is null ? "a departure names the member"
                : Member is not null || Quorum != 0 ? "a departure carries only the member's name"
                : GenesisPayload.OriginProblem(MemberName) is { } problem ? "member: " + problem : null,
            ProposalAction.Quorum => Member is not null || MemberName is not null ? "a quorum change carries only the quorum"
                : Quorum is < 1 or > ConsortiumGenesisPayload.MaxMembers ? $"a quorum is between 1 and {ConsortiumGenesisPayload.MaxMembers}" : null,
            _ => $"action {(int)Action} is unknown",
        };
}
