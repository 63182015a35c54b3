using CareLedger.Consent.Model;

namespace CareLedger.Consent.Validation;

/// <summary>One thing wrong with a consent, located by its FHIR path (e.g. <c>provision.provision[1].period</c>).</summary>
public sealed record ConsentProblem(ConsentId? Consent, string Path, string Message)
{
    public override string ToString() =>
        Consent is { } id ? $"Consent {id} {Path}: {Message}" : $"{Path}: {Message}";
}
