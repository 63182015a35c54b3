namespace CareLedger.Ledger.Log;

/// <summary>
/// The log is damaged somewhere other than a torn tail: a record that fails its checksum before valid records, a bad
/// segment header, a missing segment or an index gap. The node must not start on it; nothing was changed on disk.
/// </summary>
public sealed class LogCorruptedException : Exception
{
    public LogCorruptedException(string segmentPath, long offset, long? recordIndex, string message)
        : base(message)
    {
        SegmentPath = segmentPath;
        Offset = offset;
        RecordIndex = recordIndex;
    }

    /// <summary>The segment file where the damage is.</summary>
    public string SegmentPath { get; }

    /// <summary>Byte offset of the damage inside <see cref="SegmentPath"/>.</summary>
    public long Offset { get; }

    /// <summary>Index of the damaged record, when known.</summary>
    public long? RecordIndex { get; }
}
