namespace CareLedger.Ledger.Consortium.Ordering;

/// <summary>
/// One message of a network's stream as stored: its sequence (from 1), the time the stream gave it, its bytes, and
/// how many messages followed it in the stream when it was delivered.
/// </summary>
public sealed record StreamMessage(ulong Sequence, DateTimeOffset Timestamp, byte[] Data, ulong Pending = 0);
