using CareLedger.Ai.Data;
using CareLedger.Analytics.Data;
using CareLedger.Analytics.Registry;

namespace CareLedger.Ai.Training;

/// <summary>What the access layer released for a purpose: the rows, in a fixed order, and who was left out and why.</summary>
internal sealed record ConsentedCohort(FeatureSet Set, IReadOnlyList<CohortRow> Rows, TrainingCohort Summary)
{
    /// <summary>The bias audit groups by these row attributes.</summary>
    public static readonly IReadOnlyList<string> Attributes = [Sex, AgeBandAttribute];

    public const string Sex = "sex";
    public const string AgeBandAttribute = "age_band";

    public FeatureTable Table() => new(Set.FeatureNames, [.. Rows.Select(r => r.Row)]);

    public IReadOnlyList<TrainingRecord> Records() => [.. Rows.SelectMany(r => r.Records)];
}
