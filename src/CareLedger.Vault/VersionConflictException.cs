namespace CareLedger.Vault;

/// <summary>A version was staged out of turn: it must be the current committed version + 1, and not already in flight.</summary>
public sealed class VersionConflictException : Exception
{
    public VersionConflictException(RecordAddress attempted, int currentVersion, bool inFlight)
        : base(inFlight
            ? $"{attempted} is already being written; commit or abandon that write first."
            : $"{attempted} cannot be staged: the current version is {currentVersion}, so the next must be {currentVersion + 1}.")
    {
        Attempted = attempted;
        CurrentVersion = currentVersion;
    }

    public RecordAddress Attempted { get; }

    /// <summary>The latest committed version (0: none).</summary>
    public int CurrentVersion { get; }
}
