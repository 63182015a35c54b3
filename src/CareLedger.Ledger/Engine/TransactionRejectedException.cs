namespace CareLedger.Ledger.Engine;

/// <summary>
/// The ledger refused a transaction; nothing was written. <see cref="Code"/> is one of
/// <see cref="State.RejectionCodes"/> (e.g. "bad-signature", "unknown-author", "conflicting-replay", "patient-erased").
/// </summary>
public sealed class TransactionRejectedException : Exception
{
    public TransactionRejectedException(string code, string message)
        : base(message)
    {
        Code = code;
    }

    public string Code { get; }
}
