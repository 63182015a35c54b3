using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Consortium;

namespace CareLedger.Ledger.Tests.Consortium;

public sealed class CosignatureCollectorTests : IClassFixture<ConsortiumKeys>
{
    private readonly ConsortiumKeys keys;

    public CosignatureCollectorTests(ConsortiumKeys keys) => this.keys = keys;

    [Theory]
    [InlineData(2, new[] { "m0:5:A", "m1:5:A" }, 5, "m0,m1")]
    [InlineData(3, new[] { "m0:5:A", "m1:5:A" }, -1, "")]
    [InlineData(2, new[] { "m0:5:A", "m1:5:B" }, -1, "")]
    [InlineData(2, new[] { "m0:5:A", "m0:5:A" }, -1, "")]
    [InlineData(2, new[] { "m0:9:A", "m1:9:B", "m2:9:A" }, 9, "m0,m2")]
    [InlineData(2, new[] { "m0:5:A", "m1:5:A", "m0:9:A", "m2:7:A", "m1:9:A" }, 9, "m0,m1")]
    [InlineData(2, new[] { "m0:9:A", "m1:9:A", "m2:5:A", "m3:5:A" }, 9, "m0,m1")]
    [InlineData(4, new[] { "m3:4:A", "m2:4:A", "m1:4:A", "m0:4:A" }, 4, "m0,m1,m2,m3")]
    public void The_commit_point_is_the_largest_checkpoint_a_quorum_cosigned_with_the_same_root(
        int quorum, string[] steps, long expectedSize, string expectedMembers)
    {
        var collector = new CosignatureCollector(ConsortiumKeys.Origin, keys.Members, quorum);

        foreach (var step in steps)
            Assert.Empty(collector.Add(keys.Step(step)).Problems);

        if (expectedSize < 0)
        {
            Assert.Null(collector.CommitPoint);
            return;
        }

        var commit = Assert.IsType<CommitPoint>(collector.CommitPoint);
        Assert.Equal(expectedSize, commit.Size);
        Assert.Equal(expectedMembers, string.Join(',', commit.Members));
        var verification = NoteVerifier.Verify(SignedNote.Parse(commit.Note.ToString()), keys.Members.Select(m => m.CosignerKey));
        Assert.True(verification.Valid, verification.Error);
        Assert.Equal(commit.Members.Count, verification.VerifiedBy.Count);
        Assert.Equal(expectedSize, Checkpoint.Parse(commit.Note.Text).Size);
    }

    [Fact]
    public void A_note_carrying_several_cosignatures_counts_each_member_and_ignores_unknown_keys()
    {
        using var outsider = CosignerKey.Generate("outsider.cosigner");
        var collector = new CosignatureCollector(ConsortiumKeys.Origin, keys.Members, 2);
        var text = ConsortiumKeys.CheckpointText(3, ConsortiumKeys.Root("A", 3));
        var note = keys.Cosigned(text, 0, 1).WithSignature(outsider.Cosign(text, DateTimeOffset.UnixEpoch));

        var report = collector.Add(note);

        Assert.Equal(1, report.IgnoredUnknownKeys);
        Assert.Empty(report.Problems);
        Assert.True(report.CommitAdvanced);
        Assert.Equal(["m0", "m1"], report.Accepted.Select(a => a.Member.Name));
        Assert.DoesNotContain(collector.CommitPoint!.Note.Signatures, s => s.KeyName == "outsider.cosigner");
    }

    [Fact]
    public void A_forged_cosignature_is_reported_and_does_not_count_toward_the_quorum()
    {
        var collector = new CosignatureCollector(ConsortiumKeys.Origin, keys.Members, 2);
        var text = ConsortiumKeys.CheckpointText(3, ConsortiumKeys.Root("A", 3));
        var genuine = keys.Cosigned(text, 1).Signatures[0];
        var forgedBytes = (byte[])genuine.Signature.Clone();
        forgedBytes[^1] ^= 0x01;

        collector.Add(keys.Cosigned(text, 0));
        var report = collector.Add(new SignedNote(text, [genuine with { Signature = forgedBytes }]));

        var problem = Assert.Single(report.Problems);
        Assert.Contains("invalid cosignature from member 'm1'", problem, StringComparison.Ordinal);
        Assert.Empty(report.Accepted);
        Assert.Null(collector.CommitPoint);
    }

    [Fact]
    public void A_checkpoint_of_another_origin_is_reported_and_not_counted()
    {
        var collector = new CosignatureCollector(ConsortiumKeys.Origin, keys.Members, 1);
        var text = ConsortiumKeys.CheckpointText(3, ConsortiumKeys.Root("A", 3), "other.example/log");

        var report = collector.Add(keys.Cosigned(text, 0));

        Assert.Contains("origin 'other.example/log'", Assert.Single(report.Problems), StringComparison.Ordinal);
        Assert.Null(collector.CommitPoint);
    }

    [Fact]
    public void A_note_that_is_not_a_checkpoint_is_reported()
    {
        var collector = new CosignatureCollector(ConsortiumKeys.Origin, keys.Members, 1);

        var report = collector.Add(new SignedNote("not a checkpoint\n"));

        Assert.Null(report.Checkpoint);
        Assert.Contains("Malformed checkpoint", Assert.Single(report.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Cosignatures_at_or_below_the_commit_point_leave_it_unchanged()
    {
        var collector = new CosignatureCollector(ConsortiumKeys.Origin, keys.Members, 1);
        collector.Add(keys.Step("m0:9:A"));

        var report = collector.Add(keys.Step("m1:5:A"));

        Assert.False(report.CommitAdvanced);
        Assert.Single(report.Accepted);
        Assert.Equal(9, collector.CommitPoint!.Size);
    }

    [Fact]
    public void A_quorum_outside_one_to_the_member_count_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosignatureCollector(ConsortiumKeys.Origin, keys.Members, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosignatureCollector(ConsortiumKeys.Origin, keys.Members, 5));
    }

    [Fact]
    public void A_member_set_with_duplicates_or_non_cosigner_keys_is_refused()
    {
        var duplicateName = new[] { keys.Members[0], keys.Members[1] with { Name = "m0" } };
        var sharedKey = new[] { keys.Members[0], keys.Members[0] with { Name = "other" } };
        var noteKey = VerifierKey.Create("m0.signer", NoteSignatureType.Ed25519, keys.Members[0].CosignerKey.PublicKey);
        var wrongType = new[] { new ConsortiumMember("m0", noteKey) };

        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() => new CosignatureCollector(ConsortiumKeys.Origin, duplicateName, 1)).Message, StringComparison.Ordinal);
        Assert.Contains("two members", Assert.Throws<ArgumentException>(() => new CosignatureCollector(ConsortiumKeys.Origin, sharedKey, 1)).Message, StringComparison.Ordinal);
        Assert.Contains("0x04", Assert.Throws<ArgumentException>(() => new CosignatureCollector(ConsortiumKeys.Origin, wrongType, 1)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new CosignatureCollector(ConsortiumKeys.Origin, [], 1));
    }
}
