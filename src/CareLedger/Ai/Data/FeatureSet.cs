using CareLedger.Analytics.Registry;

namespace CareLedger.Ai.Data;

/// <summary>
/// What a model reads from a patient's record: one Observation code per feature, and (for training) the outcome,
/// recorded as an Observation with <c>valueBoolean</c>. Features are read in this order.
/// </summary>
public sealed record FeatureSet(
    string Id,
    string Title,
    IReadOnlyList<FeatureDefinition> Features,
    ClinicalCode Outcome,
    IntendedUse IntendedUse)
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
