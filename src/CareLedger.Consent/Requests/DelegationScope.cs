using CareLedger.Consent.Model;

namespace CareLedger.Consent.Requests;

/// <summary>What a delegate may do for the patient; an empty list allows every value of that dimension.</summary>
public sealed record DelegationScope
{
    /// <summary>When the delegation is in force (half-open).</summary>
    public Period Period { get; init; }

    /// <summary>Allowed <c>consentaction</c> codes.</summary>
    public IReadOnlyList<Coding> Actions { get; init; } = [];

    /// <summary>Allowed resource classes (resource types or class codes).</summary>
    public IReadOnlyList<Coding> Classes { get; init; } = [];
}
