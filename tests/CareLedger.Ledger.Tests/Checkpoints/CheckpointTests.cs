using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Merkle;

namespace CareLedger.Ledger.Tests.Checkpoints;

public class CheckpointTests
{
    private static readonly byte[] Root = Convert.FromBase64String("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");

    [Fact]
    public void The_c2sp_example_checkpoint_body_parses_and_prints_back()
    {
        // PROVENANCE: c2sp.org/tlog-checkpoint (github.com/C2SP/C2SP tlog-checkpoint.md), the example note.
        const string text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        var checkpoint = Checkpoint.Parse(text);
        Assert.Equal("example.com/behind-the-sofa", checkpoint.Origin);
        Assert.Equal(20852163, checkpoint.Size);
        Assert.Equal(Root, checkpoint.RootHash);
        Assert.Empty(checkpoint.Extensions);
        Assert.Equal(text, checkpoint.ToNoteText());

        var note = SignedNote.Parse(text + "\n\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n");
        Assert.Equal(0x033de0aeu, note.Signatures[0].KeyId);
        Assert.Equal(text, note.Text);
    }

    [Fact]
    public void Extension_lines_round_trip()
    {
        var checkpoint = new Checkpoint("example.org/log", 0, Rfc9162.EmptyRoot, ["ext one", "ext-two"]);
        var text = checkpoint.ToNoteText();
        Assert.Equal("example.org/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\next-two\n", text);
        var parsed = Checkpoint.Parse(text);
        Assert.Equal(checkpoint.Origin, parsed.Origin);
        Assert.Equal(checkpoint.Size, parsed.Size);
        Assert.Equal(checkpoint.RootHash, parsed.RootHash);
        Assert.Equal(checkpoint.Extensions, parsed.Extensions);
    }

    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "o\n1\n", "3 lines are required" },
        { "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", "newline" },
        { "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "origin line is empty" },
        { "o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "leading zeros" },
        { "o\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "decimal number" },
        { "o\n+1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "decimal number" },
        { "o\n 1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "decimal number" },
        { "o\n\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "decimal number" },
        { "o\n9223372036854775808\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "too large" },
        { "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2\n", "root hash" },
        { "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", "root hash" },
        { "o\n1\nAAAA\n", "root hash" },
        { "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n", "extension line 1 is empty" },
        { "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\next\u0000\n", "control character" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public void Malformed_checkpoints_are_rejected_with_the_reason(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => Checkpoint.Parse(text));
        Assert.Contains(reason.Replace("3 lines are required", "origin, size and root hash are required", StringComparison.Ordinal), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_checkpoints_cannot_be_written()
    {
        Assert.Throws<InvalidOperationException>(() => new Checkpoint("", 1, Root).ToNoteText());
        Assert.Throws<InvalidOperationException>(() => new Checkpoint("a\nb", 1, Root).ToNoteText());
        Assert.Throws<InvalidOperationException>(() => new Checkpoint("o", -1, Root).ToNoteText());
        Assert.Throws<InvalidOperationException>(() => new Checkpoint("o", 1, new byte[31]).ToNoteText());
        Assert.Throws<InvalidOperationException>(() => new Checkpoint("o", 1, Root, [""]).ToNoteText());
    }

    [Fact]
    public void A_signed_and_cosigned_checkpoint_round_trips_and_verifies()
    {
        using var log = NoteSigningKey.Generate("example.org/log");
        using var witness = CosignerKey.Generate("example.org/witness");
        var text = new Checkpoint("example.org/log", 12345, Root).ToNoteText();
        var note = new SignedNote(text)
            .WithSignature(log.Sign(text))
            .WithSignature(witness.Cosign(text, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)));

        var parsed = SignedNote.Parse(note.ToString());
        Assert.Equal(note.ToString(), parsed.ToString());
        var verification = NoteVerifier.Verify(parsed, [log.VerifierKey, witness.VerifierKey]);
        Assert.True(verification.Valid, verification.Error);
        Assert.Equal([log.VerifierKey, witness.VerifierKey], verification.VerifiedBy);
        Assert.Equal(12345, Checkpoint.Parse(parsed.Text).Size);
    }
}
