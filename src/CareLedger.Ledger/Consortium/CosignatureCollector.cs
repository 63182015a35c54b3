using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Consortium;

/// <summary>
/// Gathers members' cosignatures on checkpoints of one log and finds the commit point: the largest checkpoint that
/// quorum distinct members cosigned over identical text (so the same size and root), each checkpoint judged by the
/// member set and quorum in force at its size (ADR 0008). Pure; not thread-safe.
/// </summary>
public sealed class CosignatureCollector
{
    private readonly Func<long, (MemberKeys Keys, int Quorum)> membersAt;

    // Cosignatures sign the exact text, so only notes with identical text can be merged into one.
    private readonly Dictionary<string, Dictionary<string, NoteSignature>> byText = new(StringComparer.Ordinal);

    /// <summary>One member set and quorum for every size (a network without governance changes).</summary>
    public CosignatureCollector(string origin, IReadOnlyList<ConsortiumMember> members, int quorum)
    {
        ArgumentException.ThrowIfNullOrEmpty(origin);
        var keys = new MemberKeys(members);
        if (quorum < 1 || quorum > keys.Count)
            throw new ArgumentOutOfRangeException(nameof(quorum), quorum, $"A quorum is between 1 and the {keys.Count} members.");
        Origin = origin;
        membersAt = _ => (keys, quorum);
    }

    /// <param name="membersAt">The member set and quorum in force at a tree size.</param>
    public CosignatureCollector(string origin, Func<long, ConsortiumMemberSet> membersAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(origin);
        Origin = origin;
        this.membersAt = MemberKeys.PerSize(membersAt);
    }

    public string Origin { get; }

    /// <summary>The quorum in force at the newest size (the one the network is working on).</summary>
    public int Quorum => membersAt(long.MaxValue).Quorum;

    /// <summary>Null until some checkpoint reaches the quorum.</summary>
    public CommitPoint? CommitPoint { get; private set; }

    /// <summary>Verifies every member cosignature on <paramref name="note"/>, keeps the valid ones and advances <see cref="CommitPoint"/> if a quorum is reached.</summary>
    public CosignatureReport Add(SignedNote note)
    {
        var report = CosignatureVerification.Verify(note, Origin, size => membersAt(size).Keys);
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

        if (cosigners.Count < membersAt(report.Checkpoint.Size).Quorum)
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
