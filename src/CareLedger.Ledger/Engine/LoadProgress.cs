namespace CareLedger.Ledger.Engine;

/// <summary>Progress of a load run: <see cref="Done"/> of <see cref="Total"/> in <see cref="Stage"/> ("signing", then "submitting").</summary>
public readonly record struct LoadProgress(string Stage, long Done, long Total);
