using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Consortium;

/// <summary>A verified cosignature: <see cref="Note"/> carries only <see cref="Member"/>'s signature, so it stands alone as evidence.</summary>
public sealed record MemberCosignature(ConsortiumMember Member, Checkpoint Checkpoint, SignedNote Note);
