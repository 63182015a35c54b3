using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Tests.Checkpoints;

public class NoteVerifierTests
{
    private static readonly VerifierKey Peter = VerifierKey.Parse(GoNoteVectors.PeterVkey);
    private static readonly VerifierKey Enoch = VerifierKey.Parse(GoNoteVectors.EnochVkey);
    private static readonly SignedNote BothSigned = SignedNote.Parse(GoNoteVectors.Text + "\n" + GoNoteVectors.PeterSignatureLine + GoNoteVectors.EnochSignatureLine);

    [Fact]
    public void Signatures_of_unknown_keys_are_ignored_and_trusted_ones_verified()
    {
        var onlyPeter = NoteVerifier.Verify(BothSigned, [Peter]);
        Assert.True(onlyPeter.Valid, onlyPeter.Error);
        Assert.Equal([Peter], onlyPeter.VerifiedBy);

        var both = NoteVerifier.Verify(BothSigned, [Peter, Enoch]);
        Assert.True(both.Valid, both.Error);
        Assert.Equal([Peter, Enoch], both.VerifiedBy);
    }

    [Fact]
    public void A_note_without_a_trusted_signature_is_rejected()
    {
        var verification = NoteVerifier.Verify(BothSigned, []);
        Assert.False(verification.Valid);
        Assert.Equal("the note has no signature from a trusted key", verification.Error);
    }

    [Fact]
    public void An_invalid_signature_from_a_trusted_key_rejects_the_whole_note()
    {
        var line = GoNoteVectors.PeterSignatureLine;
        var forged = SignedNote.Parse(GoNoteVectors.Text + "\n" + line[..60] + "ABCD" + line[60..] + GoNoteVectors.EnochSignatureLine);
        var verification = NoteVerifier.Verify(forged, [Peter, Enoch]);
        Assert.False(verification.Valid);
        Assert.Equal("invalid signature for key PeterNeumann+c74f20a3", verification.Error);
        Assert.Empty(verification.VerifiedBy);
    }

    [Fact]
    public void A_changed_text_fails_the_signature()
    {
        var changed = new SignedNote(GoNoteVectors.Text.Replace("answer", "Answer", StringComparison.Ordinal), BothSigned.Signatures);
        Assert.False(NoteVerifier.Verify(changed, [Peter]).Valid);
    }

    [Fact]
    public void Signatures_matching_a_trusted_name_but_not_its_key_id_are_ignored()
    {
        var renamed = SignedNote.Parse(GoNoteVectors.Text + "\n" + GoNoteVectors.PeterSignatureLine.Replace("PeterNeumann", "CarmenSandiego", StringComparison.Ordinal));
        Assert.False(NoteVerifier.Verify(renamed, [Peter]).Valid);
        Assert.False(Peter.Verify(renamed, renamed.Signatures[0]));
    }

    [Fact]
    public void Two_different_trusted_keys_with_the_same_name_and_id_are_ambiguous()
    {
        var impostor = Peter with { PublicKey = Enoch.PublicKey };
        var verification = NoteVerifier.Verify(BothSigned, [Peter, impostor]);
        Assert.False(verification.Valid);
        Assert.StartsWith("ambiguous key PeterNeumann+c74f20a3", verification.Error, StringComparison.Ordinal);
        Assert.True(NoteVerifier.Verify(BothSigned, [Peter, Peter]).Valid);
    }
}
