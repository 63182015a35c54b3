namespace CareLedger.Ledger.Log;

/// <summary>One record of the log: its 0-based index and its payload.</summary>
public readonly record struct LogEntry(long Index, ReadOnlyMemory<byte> Payload);
