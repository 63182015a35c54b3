using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Consortium.Evidence;

namespace CareLedger.Ledger.Consortium;

/// <summary>
/// Remembers every (member, size, root) that members verifiably cosigned and raises evidence when a member signs two
/// roots for one size (<see cref="Equivocation"/>), a root that differs from the local one (<see cref="Divergence"/>),
/// or two sizes whose trees are not consistent (<see cref="Inconsistency"/>). Pure; not thread-safe.
/// </summary>
public sealed class EquivocationDetector
{
    private readonly Func<long, (MemberKeys Keys, int Quorum)> membersAt;
    private readonly string origin;
    private readonly Func<long, byte[]?> localRoot;
    private readonly Func<long, byte[], long, byte[], bool> isConsistent;
    private readonly Dictionary<string, SortedList<long, MemberCosignature>> seen = new(StringComparer.Ordinal);
    private readonly HashSet<(string Member, long Size, string Root)> equivocations = [];
    private readonly List<ConsortiumEvidence> evidence = [];

    // Cosignatures for sizes this node's tree had not reached when they arrived: compared once it has.
    private readonly List<MemberCosignature> awaitingLocal = [];

    /// <param name="localRoot">This node's root for a tree size, or null when its tree is not that large yet.</param>
    /// <param name="isConsistent">(old size, old root, new size, new root): whether a consistency proof from this node's tree verifies.</param>
    public EquivocationDetector(
        string origin,
        IReadOnlyList<ConsortiumMember> members,
        Func<long, byte[]?> localRoot,
        Func<long, byte[], long, byte[], bool> isConsistent)
        : this(origin, OneSet(members), localRoot, isConsistent)
    {
    }

    /// <param name="membersAt">The member set in force at a tree size: a cosignature is evidence only by a key in force at its size.</param>
    /// <param name="localRoot">This node's root for a tree size, or null when its tree is not that large yet.</param>
    /// <param name="isConsistent">(old size, old root, new size, new root): whether a consistency proof from this node's tree verifies.</param>
    public EquivocationDetector(
        string origin,
        Func<long, ConsortiumMemberSet> membersAt,
        Func<long, byte[]?> localRoot,
        Func<long, byte[], long, byte[], bool> isConsistent)
        : this(origin, MemberKeys.PerSize(membersAt), localRoot, isConsistent)
    {
    }

    private EquivocationDetector(
        string origin,
        Func<long, (MemberKeys Keys, int Quorum)> membersAt,
        Func<long, byte[]?> localRoot,
        Func<long, byte[], long, byte[], bool> isConsistent)
    {
        ArgumentException.ThrowIfNullOrEmpty(origin);
        ArgumentNullException.ThrowIfNull(localRoot);
        ArgumentNullException.ThrowIfNull(isConsistent);
        this.membersAt = membersAt;
        this.origin = origin;
        this.localRoot = localRoot;
        this.isConsistent = isConsistent;
    }

    private static Func<long, (MemberKeys Keys, int Quorum)> OneSet(IReadOnlyList<ConsortiumMember> members)
    {
        var keys = new MemberKeys(members);
        return _ => (keys, 1);
    }

    /// <summary>Every piece of evidence raised so far, in order.</summary>
    public IReadOnlyList<ConsortiumEvidence> Evidence => evidence;

    /// <summary>Records the valid member cosignatures on <paramref name="note"/>; returns the evidence they newly raise. Invalid and unknown signatures are not recorded.</summary>
    public IReadOnlyList<ConsortiumEvidence> Observe(SignedNote note)
    {
        var report = CosignatureVerification.Verify(note, origin, size => membersAt(size).Keys);
        var raised = new List<ConsortiumEvidence>();
        foreach (var cosignature in report.Accepted)
            Observe(cosignature, raised);
        evidence.AddRange(raised);
        return raised;
    }

    /// <summary>
    /// Compares the cosignatures that were ahead of this node's tree with its roots, now that it may have grown;
    /// returns the divergences this raises.
    /// </summary>
    public IReadOnlyList<ConsortiumEvidence> RecheckLocal()
    {
        var raised = new List<ConsortiumEvidence>();
        awaitingLocal.RemoveAll(cosignature =>
        {
            var local = localRoot(cosignature.Checkpoint.Size);
            if (local is null)
                return false;
            CheckLocal(cosignature, local, raised);
            return true;
        });
        evidence.AddRange(raised);
        return raised;
    }

    /// <summary>The root <paramref name="member"/> was first seen cosigning for <paramref name="size"/>, or null.</summary>
    public byte[]? CosignedRoot(string member, long size) =>
        seen.TryGetValue(member, out var bySize) && bySize.TryGetValue(size, out var cosignature) ? cosignature.Checkpoint.RootHash : null;

    /// <summary>How many cosignatures wait for this node's tree to reach their size.</summary>
    public int AwaitingLocal => awaitingLocal.Count;

    private void CheckLocal(MemberCosignature cosignature, byte[] local, List<ConsortiumEvidence> raised)
    {
        if (!local.AsSpan().SequenceEqual(cosignature.Checkpoint.RootHash))
            raised.Add(new Divergence(cosignature.Member.Name, cosignature.Member.CosignerKey.ToVkey(), cosignature.Checkpoint.Size, local, cosignature.Note.ToString()));
    }

    private void Observe(MemberCosignature cosignature, List<ConsortiumEvidence> raised)
    {
        var member = cosignature.Member;
        var checkpoint = cosignature.Checkpoint;
        var vkey = member.CosignerKey.ToVkey();
        if (!seen.TryGetValue(member.Name, out var bySize))
        {
            bySize = [];
            seen.Add(member.Name, bySize);
        }

        if (bySize.TryGetValue(checkpoint.Size, out var earlier))
        {
            if (!earlier.Checkpoint.RootHash.AsSpan().SequenceEqual(checkpoint.RootHash)
                && equivocations.Add((member.Name, checkpoint.Size, Convert.ToBase64String(checkpoint.RootHash))))
                raised.Add(new Equivocation(member.Name, vkey, checkpoint.Size, earlier.Note.ToString(), cosignature.Note.ToString()));
            return;
        }

        var local = localRoot(checkpoint.Size);
        if (local is null)
            awaitingLocal.Add(cosignature);
        else
            CheckLocal(cosignature, local, raised);

        var index = InsertionIndex(bySize.Keys, checkpoint.Size);
        if (index > 0)
            CheckConsistency(bySize.Values[index - 1], cosignature, raised);
        if (index < bySize.Count)
            CheckConsistency(cosignature, bySize.Values[index], raised);
        bySize.Add(checkpoint.Size, cosignature);
    }

    private void CheckConsistency(MemberCosignature smaller, MemberCosignature larger, List<ConsortiumEvidence> raised)
    {
        // Every tree extends the empty tree; RFC 9162 has no proof from size 0.
        if (smaller.Checkpoint.Size == 0)
            return;
        if (!isConsistent(smaller.Checkpoint.Size, smaller.Checkpoint.RootHash, larger.Checkpoint.Size, larger.Checkpoint.RootHash))
        {
            var member = larger.Member;
            raised.Add(new Inconsistency(member.Name, member.CosignerKey.ToVkey(), smaller.Note.ToString(), larger.Note.ToString()));
        }
    }

    private static int InsertionIndex(IList<long> sortedSizes, long size)
    {
        var (low, high) = (0, sortedSizes.Count);
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (sortedSizes[middle] < size)
                low = middle + 1;
            else
                high = middle;
        }

        return low;
    }
}
