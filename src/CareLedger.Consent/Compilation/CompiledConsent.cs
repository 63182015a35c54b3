using CareLedger.Consent.Decisions;
using CareLedger.Consent.Model;

namespace CareLedger.Consent.Compilation;

/// <summary>A consent ready for evaluation, with the reasons it can give already written.</summary>
internal sealed class CompiledConsent
{
    public required ConsentId Id { get; init; }

    public required bool IsActive { get; init; }

    public required ConsentApplicability Applicability { get; init; }

    /// <summary>Index of the base provision in the set's provision array.</summary>
    public required int Root { get; init; }

    public required DecisionReason NotActive { get; init; }

    public required DecisionReason ScopeNotApplicable { get; init; }

    public required DecisionReason NotYetInForce { get; init; }

    public required DecisionReason Ended { get; init; }

    /// <summary>Why the base provision did not match, indexed by the bit position of the failing dimension.</summary>
    public required DecisionReason[] NotCovered { get; init; }
}
