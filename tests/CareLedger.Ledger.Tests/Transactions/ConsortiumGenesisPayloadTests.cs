using CareLedger.Ledger.Engine;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Tests.Engine;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Tests.Transactions;

public sealed class ConsortiumGenesisPayloadTests : IDisposable
{
    private readonly TempDirectory directory = new("genesis");
    private readonly NodeKeys[] founders;

    public ConsortiumGenesisPayloadTests()
    {
        founders = new[] { "b.example", "a.example", "c.example" }.Select(name => NodeKeys.Create(directory.Combine(name), name, "Org " + name)).ToArray();
    }

    public void Dispose()
    {
        foreach (var keys in founders)
        {
            keys.Dispose();
        }

        directory.Dispose();
    }

    [Fact]
    public void A_draft_sorts_its_members_and_an_approved_genesis_round_trips_byte_for_byte()
    {
        var genesis = Approved(Draft());

        var decoded = ConsortiumGenesisPayload.Decode(genesis.Encode());

        Assert.Equal(["a.example", "b.example", "c.example"], decoded.Members.Select(m => m.Name));
        Assert.Equal(genesis.Encode(), decoded.Encode());
        Assert.Equal(2, decoded.Quorum);
        Assert.Empty(decoded.MissingApprovals());
        Assert.Equal(TxType.ConsortiumGenesis, decoded.Type);
    }

    [Fact]
    public void An_approval_covers_the_terms_so_changing_the_quorum_voids_every_approval()
    {
        var genesis = Approved(Draft());

        var changed = genesis with { Quorum = 1 };

        Assert.Equal(["a.example", "b.example", "c.example"], changed.MissingApprovals());
    }

    [Fact]
    public void A_genesis_cannot_be_sealed_before_every_founder_approved_it()
    {
        var partly = Draft().WithApproval("a.example", Keys("a.example").Organisation);

        var error = Assert.Throws<InvalidOperationException>(() => partly.Seal(Keys("a.example").Organisation, TimeProvider.System));

        Assert.Contains("b.example, c.example", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_a_founders_organisation_key_may_approve_for_it()
    {
        Assert.Throws<ArgumentException>(() => Draft().WithApproval("a.example", Keys("b.example").Organisation));
        Assert.Throws<ArgumentException>(() => Draft().WithApproval("z.example", Keys("a.example").Organisation));
    }

    [Fact]
    public void The_rules_refuse_a_genesis_whose_approval_was_forged_and_nothing_is_written()
    {
        var approved = Approved(Draft());
        var forged = approved with
        {
            Approvals = [.. approved.Approvals.Select(a => a.Member == "c.example" ? a with { Signature = approved.Approvals[0].Signature } : a)],
        };
        var signed = SignedTransaction.Sign(Transaction.Create(forged, Keys("a.example").Organisation.Id, TimeProvider.System), Keys("a.example").Organisation);
        var member = directory.Combine("joining");
        Directory.CreateDirectory(Path.Combine(member, "keys"));
        foreach (var file in Directory.GetFiles(directory.Combine("a.example", "keys")))
        {
            File.Copy(file, Path.Combine(member, "keys", Path.GetFileName(file)));
        }

        var refused = Assert.Throws<TransactionRejectedException>(() => LedgerEngine.JoinConsortium(member, signed));

        Assert.Equal(RejectionCodes.NotAuthorised, refused.Code);
        Assert.Contains("c.example", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Joining_makes_the_genesis_leaf_0_and_the_state_knows_the_members_and_their_keys()
    {
        var genesis = Approved(Draft()).Seal(Keys("b.example").Organisation, TimeProvider.System);
        var member = directory.Combine("b.example");

        Assert.Equal("b.example", LedgerEngine.JoinConsortium(member, genesis));

        using var state = LedgerState.Open(Path.Combine(member, LedgerState.FileName));
        Assert.Equal(1, state.AppliedCount);
        Assert.Equal(new ConsortiumTerms("careledger.test/net", "net", 2, 500, 100), state.Consortium);
        Assert.Equal(["a.example", "b.example", "c.example"], state.MembersAt(1).Select(m => m.Name));
        Assert.Empty(state.MembersAt(0));
        Assert.Equal(KeyRoles.Node, state.FindKey(Keys("c.example").Node.Id)!.Role);
        Assert.Equal(KeyRoles.Organisation, state.FindKey(Keys("a.example").Organisation.Id)!.Role);
        Assert.Equal((0UL, 1L, 0L), (state.Position!.StreamSequence, state.Position.CheckpointSize, state.Position.CheckpointStreamMs));
        Assert.Throws<InvalidOperationException>(() => LedgerEngine.JoinConsortium(member, genesis));
    }

    private NodeKeys Keys(string name) => founders.Single(k => k.Origin == name);

    private ConsortiumGenesisPayload Draft() =>
        ConsortiumGenesisPayload.Draft("careledger.test/net", "net", 2, 500, 100, founders.Select(k => k.AsFoundingMember("Org " + k.Origin)));

    private ConsortiumGenesisPayload Approved(ConsortiumGenesisPayload draft) =>
        founders.Aggregate(draft, (d, keys) => d.WithApproval(keys.Origin, keys.Organisation));
}
