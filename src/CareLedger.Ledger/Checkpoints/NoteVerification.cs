namespace CareLedger.Ledger.Checkpoints;

/// <summary>The outcome of <see cref="NoteVerifier.Verify"/>: which trusted keys signed validly, or why the note is rejected.</summary>
public sealed record NoteVerification(bool Valid, IReadOnlyList<VerifierKey> VerifiedBy, string? Error);
