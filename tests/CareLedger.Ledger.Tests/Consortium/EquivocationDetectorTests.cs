using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Consortium;
using CareLedger.Ledger.Consortium.Evidence;
using CareLedger.Ledger.Merkle;

namespace CareLedger.Ledger.Tests.Consortium;

public sealed class EquivocationDetectorTests : IClassFixture<ConsortiumKeys>, IDisposable
{
    private const int LocalSize = 10;

    private readonly ConsortiumKeys keys;
    private readonly MerkleTree localTree = MerkleTree.CreateInMemory();

    public EquivocationDetectorTests(ConsortiumKeys keys)
    {
        this.keys = keys;
        for (var i = 0; i < LocalSize; i++)
            localTree.Append(ConsortiumKeys.Root("leaf", i));
    }

    [Theory]
    [InlineData(new[] { "m0:4:T", "m0:10:T", "m1:10:T" }, new string[0])]
    [InlineData(new[] { "m0:10:T", "m0:4:T" }, new string[0])]
    [InlineData(new[] { "m0:4:T", "m0:4:T" }, new string[0])]
    [InlineData(new[] { "m0:12:A", "m0:12:B" }, new[] { "Equivocation" })]
    [InlineData(new[] { "m0:12:A", "m1:12:B" }, new string[0])]
    [InlineData(new[] { "m0:12:A", "m0:12:B", "m0:12:B" }, new[] { "Equivocation" })]
    [InlineData(new[] { "m1:5:X" }, new[] { "Divergence" })]
    [InlineData(new[] { "m0:4:T", "m0:10:X" }, new[] { "Divergence", "Inconsistency" })]
    [InlineData(new[] { "m0:10:X", "m0:4:T" }, new[] { "Divergence", "Inconsistency" })]
    [InlineData(new[] { "m0:4:T", "m0:10:T", "m0:4:X" }, new[] { "Equivocation" })]
    public void Evidence_is_raised_for_exactly_the_misbehaviour_in_the_sequence(string[] steps, string[] expected)
    {
        var detector = NewDetector();

        foreach (var step in steps)
            detector.Observe(keys.Step(step, TrueOrTaggedRoot));

        Assert.Equal(expected, detector.Evidence.Select(e => e.GetType().Name));
    }

    [Fact]
    public void Equivocation_evidence_re_verifies_offline_from_its_text_alone()
    {
        var detector = NewDetector();
        detector.Observe(keys.Step("m2:12:A"));

        var evidence = Assert.IsType<Equivocation>(Assert.Single(detector.Observe(keys.Step("m2:12:B"))));

        var copied = new Equivocation(evidence.Member, evidence.MemberKey, evidence.Size, evidence.FirstNote, evidence.SecondNote);
        Assert.True(copied.Verify());
        Assert.Equal("m2", evidence.Member);
        Assert.Equal(12, evidence.Size);
        Assert.Contains("m2", evidence.Description, StringComparison.Ordinal);
        Assert.False((evidence with { SecondNote = evidence.FirstNote }).Verify());
        Assert.False((evidence with { MemberKey = keys.Members[1].CosignerKey.ToVkey() }).Verify());
        Assert.False((evidence with { FirstNote = "garbage" }).Verify());
    }

    [Fact]
    public void Divergence_evidence_names_the_local_root_and_re_verifies()
    {
        var detector = NewDetector();

        var evidence = Assert.IsType<Divergence>(Assert.Single(detector.Observe(keys.Step("m3:7:X"))));

        Assert.Equal(localTree.RootHash(7), evidence.LocalRoot);
        Assert.True(evidence.Verify());
        Assert.Contains(Convert.ToHexString(localTree.RootHash(7)), evidence.Description, StringComparison.Ordinal);
        Assert.False((evidence with { LocalRoot = ConsortiumKeys.Root("X", 7) }).Verify());
    }

    [Fact]
    public void Inconsistency_evidence_re_verifies_against_the_real_tree_and_not_against_a_lenient_check()
    {
        var detector = NewDetector();
        detector.Observe(keys.Step("m1:4:T", TrueOrTaggedRoot));

        var evidence = Assert.Single(detector.Observe(keys.Step("m1:9:Y", TrueOrTaggedRoot)).OfType<Inconsistency>());

        Assert.True(evidence.Verify(IsConsistentWithLocalTree));
        Assert.False(evidence.Verify((_, _, _, _) => true));
        Assert.False((evidence with { SmallerNote = evidence.LargerNote }).Verify(IsConsistentWithLocalTree));
    }

    [Fact]
    public void Forged_and_unknown_cosignatures_are_not_recorded()
    {
        using var outsider = CosignerKey.Generate("outsider.cosigner");
        var detector = NewDetector();
        detector.Observe(keys.Step("m0:12:A"));
        var text = ConsortiumKeys.CheckpointText(12, ConsortiumKeys.Root("B", 12));
        var genuine = keys.Cosigned(text, 0).Signatures[0];
        var forged = (byte[])genuine.Signature.Clone();
        forged[10] ^= 0x80;

        Assert.Empty(detector.Observe(new SignedNote(text, [genuine with { Signature = forged }])));
        Assert.Empty(detector.Observe(new SignedNote(text, [outsider.Cosign(text, DateTimeOffset.UnixEpoch)])));
        Assert.Empty(detector.Evidence);
    }

    public void Dispose() => localTree.Dispose();

    private EquivocationDetector NewDetector() =>
        new(ConsortiumKeys.Origin, keys.Members, size => size <= localTree.Size ? localTree.RootHash(size) : null, IsConsistentWithLocalTree);

    private bool IsConsistentWithLocalTree(long oldSize, byte[] oldRoot, long newSize, byte[] newRoot) =>
        newSize <= localTree.Size && localTree.GetConsistencyProof(oldSize, newSize).Verify(oldRoot, newRoot);

    private byte[] TrueOrTaggedRoot(string tag, long size) =>
        tag == "T" ? localTree.RootHash(size) : ConsortiumKeys.Root(tag, size);
}
