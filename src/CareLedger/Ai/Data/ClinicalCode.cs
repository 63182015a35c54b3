namespace CareLedger.Ai.Data;

/// <summary>A coding as a FHIR Observation carries it in <c>code</c>, and as a search token finds it (<c>system|code</c>).</summary>
public sealed record ClinicalCode(string System, string Code, string Display)
{
    public const string Loinc = "http://loinc.org";

    /// <summary>
    /// CareLedger's local code system for values without a LOINC code: the WDBC image features, the Pima skin fold,
    /// insulin and pedigree values, and the two outcomes. Every code is listed in docs/ai.md.
    /// </summary>
    public const string ClinicalFeatures = "https://careledger.org/fhir/CodeSystem/clinical-features";

    public string Token => $"{System}|{Code}";

    public bool Matches(string? system, string? code) =>
        string.Equals(system, System, StringComparison.Ordinal) && string.Equals(code, Code, StringComparison.Ordinal);
}
