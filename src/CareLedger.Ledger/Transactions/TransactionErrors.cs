namespace CareLedger.Ledger.Transactions;

/// <summary>The codes of <see cref="InvalidTransactionException"/>: stable, machine-readable, part of the API.</summary>
public static class TransactionErrors
{
    public const string TooLarge = "too-large";
    public const string Malformed = "malformed";
    public const string NonCanonical = "non-canonical";
    public const string TrailingBytes = "trailing-bytes";
    public const string UnknownVersion = "unknown-version";
    public const string UnknownType = "unknown-type";
    public const string BadLength = "bad-length";
    public const string InvalidField = "invalid-field";
}
