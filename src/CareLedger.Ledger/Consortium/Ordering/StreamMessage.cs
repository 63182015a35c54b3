namespace CareLedger.Ledger.Consortium.Ordering;

/// <summary>One message of a network's stream as stored: its sequence (from 1), the time the stream gave it, and its bytes.</summary>
public sealed record StreamMessage(ulong Sequence, DateTimeOffset Timestamp, byte[] Data);
