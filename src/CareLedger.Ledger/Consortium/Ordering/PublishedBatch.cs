namespace CareLedger.Ledger.Consortium.Ordering;

/// <summary>
/// The stream's acknowledgement of a batch: its sequence, and whether the stream already held it (a retried publish
/// within the duplicate window). An acknowledgement is not durability; only a quorum-cosigned checkpoint commits.
/// </summary>
public sealed record PublishedBatch(string BatchId, ulong StreamSequence, bool Duplicate);
