namespace CareLedger.Access.Gate;

/// <summary>What a many-record read disclosed, in the order asked for, and how many matching records consent withheld.</summary>
public sealed record Disclosure(IReadOnlyList<DisclosedRecord> Records, int Withheld);
