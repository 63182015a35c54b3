namespace CareLedger.Ledger.Log;

/// <summary>What <see cref="FileLog.Open"/> found: the records kept, and the torn tail it cut off, if any.</summary>
/// <param name="Records">Records in the log after recovery.</param>
/// <param name="Segments">Segment files in the log after recovery.</param>
/// <param name="TornBytesTruncated">Bytes cut from the end of the last segment (an unacknowledged, half-written tail).</param>
/// <param name="TornSegment">Path of the segment that was cut, or null when nothing was cut.</param>
public sealed record LogRecoveryReport(long Records, int Segments, long TornBytesTruncated, string? TornSegment);
