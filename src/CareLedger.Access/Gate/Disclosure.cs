namespace CareLedger.Access.Gate;

/// <summary>What a many-record read disclosed, in the order asked for, and how many matching records consent withheld.</summary>
public sealed record Disclosure(IReadOnlyList<DisclosedRecord> Records, int Withheld)
{
    /// <summary>The audit records of the call's decisions: one per patient (and one for records outside any patient compartment).</summary>
    public IReadOnlyList<Guid> AuditIds { get; init; } = [];
}
