namespace CareLedger.Ledger.Consortium.Ordering;

/// <summary>One batch as the stream ordered it: its stream sequence (from 1) and the encoded signed transactions.</summary>
public sealed record OrderedBatch(ulong StreamSequence, IReadOnlyList<ReadOnlyMemory<byte>> Transactions);
