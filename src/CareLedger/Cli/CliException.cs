namespace CareLedger;

/// <summary>
/// A failure that the command line reports as one plain line and a non-zero exit code, without a stack
/// trace: the user did something we can explain (a missing directory, a bad file, a failed check).
/// </summary>
internal sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
