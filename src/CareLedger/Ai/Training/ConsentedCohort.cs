using CareLedger.Ai.Data;
using CareLedger.Analytics.Data;
using CareLedger.Analytics.Registry;

namespace CareLedger.Ai.Training;

/// <summary>What the access layer released for a purpose: the rows, in a fixed order, and who was left out and why.</summary>
internal sealed record ConsentedCohort(FeatureSet Set, IReadOnlyList<CohortRow> Rows, TrainingCohort Summary)
{
    public const string Sex = "sex";
    public const string AgeBandAttribute = "age_band";
    public const string EthnicityAttribute = "ethnicity";

    /// <summary>
    /// The attributes the bias audit groups by: sex and age band, and ethnicity where the data has it (any included
    /// patient's record carries it; the others are then audited as "(not recorded)", not dropped).
    /// </summary>
    public IReadOnlyList<string> Attributes =>
        Rows.Any(r => r.Row.Attributes.ContainsKey(EthnicityAttribute)) ? [Sex, AgeBandAttribute, EthnicityAttribute] : [Sex, AgeBandAttribute];

    public FeatureTable Table() => new(Set.FeatureNames, [.. Rows.Select(r => r.Row)]);

    public IReadOnlyList<TrainingRecord> Records() => [.. Rows.SelectMany(r => r.Records)];
}
