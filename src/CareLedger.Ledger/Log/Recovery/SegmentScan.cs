using CareLedger.Ledger.Log.Segments;

namespace CareLedger.Ledger.Log.Recovery;

/// <summary>What the scan of one segment found: its valid records and where the valid part ends.</summary>
/// <param name="ValidLength">Bytes from the start of the file to the end of the last valid record.</param>
/// <param name="FileLength">Bytes in the file; more than <paramref name="ValidLength"/> only for a torn tail.</param>
internal sealed record SegmentScan(long FirstIndex, RecordEnds Ends, long ValidLength, long FileLength)
{
    public long NextIndex => FirstIndex + Ends.Count;

    public long TornBytes => FileLength - ValidLength;
}
