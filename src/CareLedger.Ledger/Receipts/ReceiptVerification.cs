namespace CareLedger.Ledger.Receipts;

/// <summary>The outcome of verifying a receipt: the first failure in <see cref="Error"/>, or the names of the trusted keys that signed its checkpoint.</summary>
public sealed record ReceiptVerification(bool Valid, string? Error, IReadOnlyList<string> VerifiedSigners);
