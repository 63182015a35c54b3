using CareLedger.Consent.Model;
using CareLedger.Consent.Validation;

namespace CareLedger.Access.Consents;

/// <summary>
/// A FHIR Consent converted to the engine's model, with every element that could not be converted faithfully.
/// <see cref="Directive"/> is present whenever the resource was a Consent (even with problems), so that compiling it
/// also reports what the engine's validator finds; it must never be applied while <see cref="Problems"/> is not empty.
/// </summary>
public sealed record ConsentMapping(ConsentDirective? Directive, IReadOnlyList<ConsentProblem> Problems)
{
    public bool IsValid => Directive is not null && Problems.Count == 0;
}
