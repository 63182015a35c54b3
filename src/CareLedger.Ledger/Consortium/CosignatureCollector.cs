using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Consortium;

/// <summary>
/// Gathers members' cosignatures on checkpoints of one log and finds the commit point: the largest checkpoint that
/// quorum distinct members cosigned over identical text (so the same size and root), each checkpoint judged by the
/// member set and quorum in force at its size (ADR 0008). Pure; not thread-safe.
/// </summary>
/// <remarks>
/// A member learns the set in force at size N only by applying leaves 0 … N−1, and cosignatures of N can arrive
/// before it has (it is behind the others). So a checkpoint is judged only once its set is <em>settled</em>, and every
/// signature received for it is kept until then, even one by a key the member does not know yet: judged early, a
/// checkpoint whose quorum was just raised would be taken as committed by the old quorum, and the cosignatures that
/// complete the new one would then be ignored as "at or below the commit point" — the commit never came.
/// </remarks>
public sealed class CosignatureCollector
{
    /// <summary>Signature lines kept, over all checkpoints, by keys not (yet) in force: members are few, this bounds junk.</summary>
    private const int MaxUnknownSignatures = 1024;

    private readonly Func<long, (MemberKeys Keys, int Quorum)> membersAt;
    private readonly Func<long> settledThrough;

    // Cosignatures sign the exact text, so only notes with identical text can be merged into one.
    private readonly Dictionary<string, Candidate> byText = new(StringComparer.Ordinal);
    private int unknownKept;

    /// <summary>One member set and quorum for every size (a network without governance changes).</summary>
    public CosignatureCollector(string origin, IReadOnlyList<ConsortiumMember> members, int quorum)
    {
        ArgumentException.ThrowIfNullOrEmpty(origin);
        var keys = new MemberKeys(members);
        if (quorum < 1 || quorum > keys.Count)
            throw new ArgumentOutOfRangeException(nameof(quorum), quorum, $"A quorum is between 1 and the {keys.Count} members.");
        Origin = origin;
        membersAt = _ => (keys, quorum);
        settledThrough = () => long.MaxValue;
    }

    /// <param name="membersAt">The member set and quorum in force at a tree size, final for every size.</param>
    public CosignatureCollector(string origin, Func<long, ConsortiumMemberSet> membersAt)
        : this(origin, membersAt, () => long.MaxValue)
    {
    }

    /// <param name="membersAt">The member set and quorum in force at a tree size, as far as the caller knows it.</param>
    /// <param name="settledThrough">
    /// The largest size for which <paramref name="membersAt"/> is final (a member's applied leaf count); larger
    /// checkpoints wait, with their signatures, until <see cref="Recheck"/> finds them settled.
    /// </param>
    public CosignatureCollector(string origin, Func<long, ConsortiumMemberSet> membersAt, Func<long> settledThrough)
    {
        ArgumentException.ThrowIfNullOrEmpty(origin);
        ArgumentNullException.ThrowIfNull(settledThrough);
        Origin = origin;
        this.membersAt = MemberKeys.PerSize(membersAt);
        this.settledThrough = settledThrough;
    }

    public string Origin { get; }

    /// <summary>The quorum in force at the newest size (the one the network is working on).</summary>
    public int Quorum => membersAt(long.MaxValue).Quorum;

    /// <summary>Null until some checkpoint reaches the quorum.</summary>
    public CommitPoint? CommitPoint { get; private set; }

    /// <summary>How many checkpoints wait for cosignatures or for their member set to settle.</summary>
    public int Candidates => byText.Count;

    /// <summary>
    /// Verifies every member cosignature on <paramref name="note"/> (the report judges it by the set known now), keeps
    /// it, and advances <see cref="CommitPoint"/> if a quorum of the settled set in force at its size is reached.
    /// </summary>
    public CosignatureReport Add(SignedNote note)
    {
        var report = CosignatureVerification.Verify(note, Origin, size => membersAt(size).Keys);
        if (report.Checkpoint is not { } checkpoint)
            return report;
        // A checkpoint at or below the commit point cannot move it; keeping it would only grow memory.
        if (CommitPoint is not null && checkpoint.Size <= CommitPoint.Size)
            return report;

        var settled = checkpoint.Size <= settledThrough();
        var accepted = report.Accepted.ToDictionary<MemberCosignature, NoteSignature, ConsortiumMember>(c => c.Note.Signatures[0], c => c.Member, ReferenceEqualityComparer.Instance);
        var known = membersAt(checkpoint.Size).Keys;
        var added = false;
        foreach (var signature in note.Signatures)
        {
            // A known key's bad signature is not kept (the report names it); a key unknown while the set at this size
            // may still change is kept, to be verified if the settled set has it.
            if (accepted.TryGetValue(signature, out var member))
                added |= CandidateFor(note.Text, checkpoint).Keep(signature, member.CosignerKey.ToVkey());
            else if (!settled && known.Find(signature) is null && unknownKept < MaxUnknownSignatures)
                added |= CandidateFor(note.Text, checkpoint).Keep(signature, verifiedWith: null);
        }

        if (!added || !settled)
            return report;
        return report with { CommitAdvanced = Judge(note.Text, byText[note.Text]) };
    }

    private Candidate CandidateFor(string text, Checkpoint checkpoint)
    {
        if (!byText.TryGetValue(text, out var candidate))
        {
            candidate = new Candidate(this, checkpoint);
            byText.Add(text, candidate);
        }

        return candidate;
    }

    /// <summary>
    /// Judges the checkpoints whose member set settled since they arrived (the caller applied more leaves); returns
    /// whether the commit point advanced.
    /// </summary>
    public bool Recheck()
    {
        var settled = settledThrough();
        var advanced = false;
        // Largest first: once one commits, the smaller ones are dropped with it.
        foreach (var (text, candidate) in byText.Where(c => !c.Value.Judged && c.Value.Checkpoint.Size <= settled).OrderByDescending(c => c.Value.Checkpoint.Size).ToArray())
        {
            if (byText.ContainsKey(text))
                advanced |= Judge(text, candidate);
        }

        return advanced;
    }

    /// <summary>
    /// The largest checkpoint beyond the settled size that a quorum of the newest settled set cosigned, or null. It is
    /// never a commit point (its own set is not known yet), only what a member can tell about sizes it has not reached:
    /// one that applied every message of the stream and still holds fewer leaves than this judged some transaction
    /// differently from the quorum. Without it such a member, short by the very transaction it refused, would wait for
    /// its tree to reach the size forever and never raise its alarm.
    /// </summary>
    public CommitPoint? QuorumBeyondSettled()
    {
        var settled = settledThrough();
        if (settled == long.MaxValue)
            return null;
        var (keys, quorum) = membersAt(settled);
        CommitPoint? largest = null;
        foreach (var (text, candidate) in byText)
        {
            if (candidate.Checkpoint.Size <= Math.Max(settled, largest?.Size ?? 0))
                continue;
            largest = QuorumOf(text, candidate, keys, quorum) ?? largest;
        }

        return largest;
    }

    /// <summary>Counts the kept signatures by the (settled) set in force at the checkpoint's size.</summary>
    private bool Judge(string text, Candidate candidate)
    {
        candidate.Judged = true;
        var size = candidate.Checkpoint.Size;
        var (keys, quorum) = membersAt(size);
        if (QuorumOf(text, candidate, keys, quorum) is not { } reached)
            return false;
        CommitPoint = reached;
        DropCandidatesUpTo(size);
        return true;
    }

    /// <summary>The checkpoint with the kept signatures of <paramref name="keys"/>' distinct members, if they are at least <paramref name="quorum"/>.</summary>
    private static CommitPoint? QuorumOf(string text, Candidate candidate, MemberKeys keys, int quorum)
    {
        var cosigners = new Dictionary<string, NoteSignature>(StringComparer.Ordinal);
        foreach (var (signature, verifiedWith) in candidate.Signatures)
        {
            if (keys.Find(signature) is { } member && !cosigners.ContainsKey(member.Name)
                && (string.Equals(verifiedWith, member.CosignerKey.ToVkey(), StringComparison.Ordinal) || member.CosignerKey.Verify(new SignedNote(text, [signature]), signature)))
                cosigners.Add(member.Name, signature);
        }

        if (cosigners.Count < quorum)
            return null;
        var names = cosigners.Keys.Order(StringComparer.Ordinal).ToArray();
        return new CommitPoint(candidate.Checkpoint, new SignedNote(text, names.Select(n => cosigners[n])), names);
    }

    private void DropCandidatesUpTo(long size)
    {
        foreach (var (text, candidate) in byText.ToArray())
        {
            if (candidate.Checkpoint.Size <= size)
            {
                unknownKept -= candidate.Signatures.Count(s => s.VerifiedWith is null);
                byText.Remove(text);
            }
        }
    }

    /// <summary>One checkpoint text and every distinct signature line kept for it.</summary>
    private sealed class Candidate(CosignatureCollector owner, Checkpoint checkpoint)
    {
        private readonly HashSet<string> lines = new(StringComparer.Ordinal);

        public Checkpoint Checkpoint { get; } = checkpoint;

        /// <summary>Each signature, and the member key (vkey) it was verified with when it arrived, if it was.</summary>
        public List<(NoteSignature Signature, string? VerifiedWith)> Signatures { get; } = [];

        /// <summary>Whether it was judged by its settled set since its last new signature.</summary>
        public bool Judged { get; set; }

        public bool Keep(NoteSignature signature, string? verifiedWith)
        {
            if (!lines.Add(signature.ToLine()))
                return false;
            Signatures.Add((signature, verifiedWith));
            if (verifiedWith is null)
                owner.unknownKept++;
            Judged = false;
            return true;
        }
    }
}
