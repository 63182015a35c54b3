namespace CareLedger.Ledger.Engine;

/// <summary>Progress of verification: <see cref="Done"/> of <see cref="Total"/> log entries replayed, in <see cref="Stage"/>.</summary>
public readonly record struct VerifyProgress(string Stage, long Done, long Total);
