namespace CareLedger.Ledger.Transactions;

/// <summary>Bytes that are not a well-formed, canonical transaction or payload; <see cref="Code"/> names the defect.</summary>
public sealed class InvalidTransactionException : Exception
{
    public InvalidTransactionException(string code, string message)
        : base(message)
    {
        Code = code;
    }

    public InvalidTransactionException(string code, string message, Exception innerException)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>A stable machine-readable reason: too-large, malformed, non-canonical, unknown-version, unknown-type, bad-length, trailing-bytes, bad-payload.</summary>
    public string Code { get; }
}
