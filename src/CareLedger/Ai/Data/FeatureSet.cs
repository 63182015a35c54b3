using CareLedger.Analytics.Registry;

namespace CareLedger.Ai.Data;

/// <summary>
/// What a model reads from a patient's record: one Observation code per feature, and (for training) the outcome,
/// recorded as an Observation with <c>valueBoolean</c>. Features are read in this order. <see cref="Kind"/> decides the
/// FHIR answer: a predictive model's is a RiskAssessment, a diagnostic model's a DiagnosticReport with its Observation.
/// </summary>
/// <param name="DiagnosticCategory">For diagnostic sets, the DiagnosticReport's category (HL7 v2 table 0074).</param>
public sealed record FeatureSet(
    string Id,
    string Title,
    IReadOnlyList<FeatureDefinition> Features,
    ClinicalCode Outcome,
    IntendedUse IntendedUse,
    PredictionKind Kind,
    ClinicalCode? DiagnosticCategory = null)
{
    public IReadOnlyList<string> FeatureNames => [.. Features.Select(f => f.Name)];

    /// <summary>The index of the feature an Observation code carries, or -1.</summary>
    public int IndexOf(string? system, string? code)
    {
        for (var i = 0; i < Features.Count; i++)
        {
            if (Features[i].Code.Matches(system, code))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>Whether a model estimates a future risk or classifies what is there now.</summary>
public enum PredictionKind
{
    /// <summary>A risk of a future outcome: answered as a FHIR RiskAssessment (A2).</summary>
    Predictive,

    /// <summary>A finding about the present (e.g. malignancy of a sampled mass): answered as a DiagnosticReport with an Observation (A3).</summary>
    Diagnostic,
}
