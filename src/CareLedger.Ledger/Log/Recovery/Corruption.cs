namespace CareLedger.Ledger.Log.Recovery;

/// <summary>Builds the one-line diagnosis an operator gets when the log cannot be trusted.</summary>
internal static class Corruption
{
    public static LogCorruptedException At(string segmentPath, long offset, long? recordIndex, string what) => new(
        segmentPath,
        offset,
        recordIndex,
        $"segment {Path.GetFileName(segmentPath)} offset {offset}: {what}; the log is corrupted before its tail — " +
        "refusing to start; restore this member from a peer or backup");

    public static LogCorruptedException OnRead(string segmentPath, long offset, long recordIndex, string what) => new(
        segmentPath,
        offset,
        recordIndex,
        $"segment {Path.GetFileName(segmentPath)} offset {offset}: record {recordIndex} {what} when read back; the log " +
        "was damaged on disk after it was opened — stop this member and restore it from a peer or backup");
}
