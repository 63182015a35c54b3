namespace CareLedger.Ledger.Consortium;

/// <summary>
/// The members whose cosignatures judge a checkpoint of some tree size, and how many of them commit it: the set in
/// force at that size (ADR 0008: a change executed at leaf L governs checkpoints of sizes greater than L).
/// </summary>
public sealed record ConsortiumMemberSet(IReadOnlyList<ConsortiumMember> Members, int Quorum);
