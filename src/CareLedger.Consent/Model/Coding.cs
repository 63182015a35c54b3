namespace CareLedger.Consent.Model;

/// <summary>A code from a code system (FHIR <c>Coding</c> reduced to what decisions compare: system and code).</summary>
/// <remarks>Codes are compared ordinally and case-sensitively, as FHIR codes are.</remarks>
public readonly record struct Coding(string System, string Code)
{
    public bool IsComplete => !string.IsNullOrWhiteSpace(System) && !string.IsNullOrWhiteSpace(Code);

    public override string ToString() => $"{System}|{Code}";
}
