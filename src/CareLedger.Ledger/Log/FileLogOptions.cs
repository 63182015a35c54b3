namespace CareLedger.Ledger.Log;

/// <summary>Where the log lives and how large its segments and records may grow.</summary>
public sealed record FileLogOptions(string Directory)
{
    /// <summary>A segment rolls over to a new file before it would grow past this many bytes.</summary>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>The largest payload that <see cref="FileLog.Append"/> accepts.</summary>
    public int MaxRecordBytes { get; init; } = 1024 * 1024;
}
