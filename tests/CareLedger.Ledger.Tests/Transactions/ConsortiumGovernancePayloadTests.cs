using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Tests.Transactions;

/// <summary>Round trips and refusals of the proposal and vote payloads (ADR 0008).</summary>
public sealed class ConsortiumGovernancePayloadTests
{
    private static FoundingMember Member(string name)
    {
        using var organisation = AuthorKey.Generate();
        using var node = AuthorKey.Generate();
        using var cosigner = CosignerKey.Generate(name + "/cosigner");
        return new FoundingMember(name, "Organisation " + name, organisation.PublicKeySpki, node.PublicKeySpki, cosigner.VerifierKey.ToVkey());
    }

    public static TheoryData<string> Actions() => ["join", "leave", "rotate-key", "quorum"];

    [Theory]
    [MemberData(nameof(Actions))]
    public void Every_proposal_round_trips_byte_for_byte(string action)
    {
        var proposal = action switch
        {
            "join" => ConsortiumProposalPayload.Join("net", Member("m3")),
            "leave" => ConsortiumProposalPayload.Leave("net", "m2"),
            "rotate-key" => ConsortiumProposalPayload.RotateKey("net", Member("m1")),
            _ => ConsortiumProposalPayload.ChangeQuorum("net", 3),
        };

        var encoded = proposal.Encode();
        var decoded = Assert.IsType<ConsortiumProposalPayload>(TransactionPayloads.Decode(TxType.ConsortiumProposal, encoded));

        Assert.Equal(encoded, decoded.Encode());
        Assert.Equal(proposal.Action, decoded.Action);
        Assert.Equal(proposal.Subject, decoded.Subject);
        Assert.Equal(proposal.Quorum, decoded.Quorum);
    }

    [Fact]
    public void A_vote_round_trips_byte_for_byte()
    {
        var vote = new ConsortiumVotePayload("net", TxId.NewId(TimeProvider.System), Approve: false);
        var encoded = vote.Encode();
        var decoded = Assert.IsType<ConsortiumVotePayload>(TransactionPayloads.Decode(TxType.ConsortiumVote, encoded));
        Assert.Equal(vote, decoded);
        Assert.Equal(encoded, decoded.Encode());
    }

    [Fact]
    public void Malformed_proposals_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ConsortiumProposalPayload.ChangeQuorum("net", 0).Encode());
        Assert.Throws<ArgumentException>(() => ConsortiumProposalPayload.Leave("Bad Network", "m1").Encode());
        Assert.Throws<ArgumentException>(() => new ConsortiumProposalPayload("net", ProposalAction.Join).Encode());
        Assert.Throws<ArgumentException>(() => new ConsortiumProposalPayload("net", ProposalAction.Quorum, MemberName: "m1", Quorum: 2).Encode());

        // An unknown action number on the wire.
        var bytes = ConsortiumProposalPayload.ChangeQuorum("net", 2).Encode();
        var action = Array.IndexOf(bytes, (byte)0x04, Array.IndexOf(bytes, (byte)0x02) + 1);
        bytes[action] = 0x07;
        Assert.Throws<InvalidTransactionException>(() => TransactionPayloads.Decode(TxType.ConsortiumProposal, bytes));
    }
}
