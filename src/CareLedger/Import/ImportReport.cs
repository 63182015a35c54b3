namespace CareLedger.Import;

/// <summary>How far an import is: files done of all, resources written or found already present.</summary>
public sealed record ImportProgress(int FilesDone, int FilesTotal, long ResourcesDone, string? CurrentFile);

/// <summary>A file that could not be imported, and why (nothing of it was stored).</summary>
public sealed record ImportFailure(string Path, string Reason);

/// <summary>
/// The outcome of an import. <see cref="ResourcesCreated"/> were written now; <see cref="ResourcesAlreadyPresent"/>
/// existed already (a re-run); <see cref="FilesSkipped"/> were completed by an earlier run and not read again.
/// </summary>
public sealed record ImportReport(
    int Files,
    int FilesImported,
    int FilesSkipped,
    long ResourcesCreated,
    long ResourcesAlreadyPresent,
    TimeSpan Elapsed,
    IReadOnlyList<ImportFailure> Failures)
{
    public double ResourcesPerSecond => Elapsed.TotalSeconds > 0 ? (ResourcesCreated + ResourcesAlreadyPresent) / Elapsed.TotalSeconds : 0;
}
