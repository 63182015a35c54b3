namespace CareLedger.Ledger.State;

/// <summary>The state database cannot be used with this log (for example it is ahead of it, or of an unknown format).</summary>
public sealed class LedgerStateException : Exception
{
    public LedgerStateException(string message)
        : base(message)
    {
    }

    public LedgerStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
