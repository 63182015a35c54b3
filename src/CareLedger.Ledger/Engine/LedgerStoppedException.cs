namespace CareLedger.Ledger.Engine;

/// <summary>
/// The engine stopped accepting work after a storage failure (a failed write or fsync): what was written but
/// not acknowledged is settled by recovery when the node is opened again.
/// </summary>
public sealed class LedgerStoppedException : Exception
{
    public LedgerStoppedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
