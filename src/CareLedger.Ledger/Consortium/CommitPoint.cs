using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Consortium;

/// <summary>
/// The largest checkpoint that a quorum of distinct members cosigned with the same root: everything up to
/// <see cref="Size"/> is committed. <see cref="Note"/> carries exactly the cosignatures of <see cref="Members"/>.
/// </summary>
public sealed record CommitPoint(Checkpoint Checkpoint, SignedNote Note, IReadOnlyList<string> Members)
{
    public long Size => Checkpoint.Size;

    public byte[] RootHash => Checkpoint.RootHash;
}
