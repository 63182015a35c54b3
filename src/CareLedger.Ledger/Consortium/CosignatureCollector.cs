using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Consortium;

/// <summary>
/// Gathers members' cosignatures on checkpoints of one log and finds the commit point: the largest checkpoint that
/// <see cref="Quorum"/> distinct members cosigned over identical text (so the same size and root). Pure; not thread-safe.
/// </summary>
public sealed class CosignatureCollector
{
    private readonly MemberKeys members;

    // Cosignatures sign the exact text, so only notes with identical text can be merged into one.
    private readonly Dictionary<string, Dictionary<string, NoteSignature>> byText = new(StringComparer.Ordinal);

    public CosignatureCollector(string origin, IReadOnlyList<ConsortiumMember> members, int quorum)
    {
        ArgumentException.ThrowIfNullOrEmpty(origin);
        this.members = new MemberKeys(members);
        if (quorum < 1 || quorum > this.members.Count)
            throw new ArgumentOutOfRangeException(nameof(quorum), quorum, $"A quorum is between 1 and the {this.members.Count} members.");
        Origin = origin;
        Quorum = quorum;
    }

    public string Origin { get; }

    public int Quorum { get; }

    /// <summary>Null until some checkpoint reaches the quorum.</summary>
    public CommitPoint? CommitPoint { get; private set; }

    /// <summary>Verifies every member cosignature on <paramref name="note"/>, keeps the valid ones and advances <see cref="CommitPoint"/> if a quorum is reached.</summary>
    public CosignatureReport Add(SignedNote note)
    {
        var report = CosignatureVerification.Verify(note, Origin, members);
        if (report.Checkpoint is null || report.Accepted.Count == 0)
            return report;
        // A checkpoint at or below the commit point cannot move it; keeping it would only grow memory.
        if (CommitPoint is not null && report.Checkpoint.Size <= CommitPoint.Size)
            return report;

        if (!byText.TryGetValue(note.Text, out var cosigners))
        {
            cosigners = new Dictionary<string, NoteSignature>(StringComparer.Ordinal);
            byText.Add(note.Text, cosigners);
        }

        foreach (var cosignature in report.Accepted)
            cosigners.TryAdd(cosignature.Member.Name, cosignature.Note.Signatures[0]);

        if (cosigners.Count < Quorum)
            return report;
        var names = cosigners.Keys.Order(StringComparer.Ordinal).ToArray();
        CommitPoint = new CommitPoint(report.Checkpoint, new SignedNote(note.Text, names.Select(n => cosigners[n])), names);
        DropCandidatesUpTo(report.Checkpoint.Size);
        return report with { CommitAdvanced = true };
    }

    private void DropCandidatesUpTo(long size)
    {
        foreach (var text in byText.Keys.ToArray())
        {
            if (Checkpoint.Parse(text).Size <= size)
                byText.Remove(text);
        }
    }
}
