using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Tests.Checkpoints;

public class SignedNoteTests
{
    private const string Text = GoNoteVectors.Text;
    private const string Peter = GoNoteVectors.PeterSignatureLine;
    private const string Enoch = GoNoteVectors.EnochSignatureLine;

    [Fact]
    public void A_note_with_two_signatures_parses_and_prints_back_identically()
    {
        var raw = Text + "\n" + Peter + Enoch;
        var note = SignedNote.Parse(raw);
        Assert.Equal(Text, note.Text);
        Assert.Equal(["PeterNeumann", "EnochRoot"], note.Signatures.Select(s => s.KeyName));
        Assert.Equal([0xc74f20a3u, 0xaf0cfe78u], note.Signatures.Select(s => s.KeyId));
        Assert.All(note.Signatures, s => Assert.Equal(64, s.Signature.Length));
        Assert.Equal(raw, note.ToString());
    }

    [Fact]
    public void The_text_is_separated_from_the_signatures_by_the_last_blank_line()
    {
        const string text = "first\n\nsecond after a blank line\n";
        var note = SignedNote.Parse(text + "\n" + Peter);
        Assert.Equal(text, note.Text);
    }

    public static TheoryData<string, string> MalformedNotes => new()
    {
        { Text, "no blank line" },
        { Text + "\n", "no signature lines" },
        { Text + "\n" + Peter[..^1], "does not end with a newline" },
        { "\u0001" + Text + "\n" + Peter, "control character" },
        { "\uFFFD" + Text + "\n" + Peter, "U+FFFD" },
        { Text.Replace("\n", "\r\n", StringComparison.Ordinal) + "\n" + Peter, "control character" },
        { Text + "\n" + "\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n", "base64" },
        { Text + "\n" + Peter + "Unexpected line.\n", "em dash" },
        { Text + "\n" + Peter.Replace("\u2014", "-", StringComparison.Ordinal), "em dash" },
        { Text + "\n" + "\u2014 Peter+Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n", "invalid key name" },
        { Text + "\n" + "\u2014 PeterNeumann\n", "no space" },
        { Text + "\n" + "\u2014  x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n", "invalid key name" },
        { Text + "\n" + "\u2014 PeterNeumann x08gog==\n", "shorter than a key id" },
        { Text + "\n" + "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n", "base64" },
        { Text + "\n" + "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAN=\n", "base64" },
        { Text + "\n" + Peter + Peter, "signs twice" },
        { Text + "\n" + string.Concat(Enumerable.Repeat(Peter, 101)), "exceed the limit" },
    };

    [Theory]
    [MemberData(nameof(MalformedNotes))]
    public void Malformed_notes_are_rejected_with_the_reason(string note, string reason)
    {
        var error = Assert.Throws<FormatException>(() => SignedNote.Parse(note));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lone_surrogate_is_not_utf8_and_is_rejected()
    {
        var error = Assert.Throws<FormatException>(() => SignedNote.Parse("\uD800" + Text + "\n" + Peter));
        Assert.Contains("surrogate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sixteen_signatures_from_different_keys_are_accepted()
    {
        var keys = Enumerable.Range(0, 16).Select(i => NoteSigningKey.Generate($"example.org/k{i}")).ToArray();
        try
        {
            var note = keys.Aggregate(new SignedNote(Text), (n, k) => n.WithSignature(k.Sign(Text)));
            var parsed = SignedNote.Parse(note.ToString());
            Assert.Equal(16, parsed.Signatures.Count);
            var verification = NoteVerifier.Verify(parsed, keys.Select(k => k.VerifierKey));
            Assert.True(verification.Valid, verification.Error);
            Assert.Equal(16, verification.VerifiedBy.Count);
        }
        finally
        {
            foreach (var key in keys)
                key.Dispose();
        }
    }

    [Fact]
    public void Adding_a_signature_of_the_same_key_replaces_the_old_one()
    {
        using var key = NoteSigningKey.ParseSkey(GoNoteVectors.PeterSkey);
        var stale = new NoteSignature("PeterNeumann", 0xc74f20a3, new byte[64]);
        var note = new SignedNote(Text, [stale]).WithSignature(key.Sign(Text));
        Assert.Single(note.Signatures);
        Assert.Equal(GoNoteVectors.SignedByPeter, note.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("no final newline")]
    [InlineData("bell\u0007\n")]
    public void Invalid_texts_cannot_be_signed_or_wrapped(string text)
    {
        using var key = NoteSigningKey.Generate("example.org/log");
        Assert.Throws<ArgumentException>(() => key.Sign(text));
        Assert.Throws<ArgumentException>(() => new SignedNote(text));
    }
}
