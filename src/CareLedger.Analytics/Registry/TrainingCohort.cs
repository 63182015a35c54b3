namespace CareLedger.Analytics.Registry;

/// <summary>
/// Who the training rows came from, as the node's access layer released them for <see cref="PurposeOfUse"/>: every
/// patient holding the model's data is a candidate; a candidate is included, or excluded and counted — because the
/// door withheld their records (no consent for the purpose) or because their data lacks the outcome. Nobody is
/// dropped silently. Counts only: no patient is named.
/// </summary>
/// <param name="RecordsWithheld">Records of included patients that consent withheld (those features were treated as missing).</param>
public sealed record TrainingCohort(
    string PurposeOfUse,
    int Candidates,
    int Included,
    int ExcludedWithoutConsent,
    int ExcludedIncomplete,
    int RecordsWithheld)
{
    internal string? Problem()
    {
        if (string.IsNullOrWhiteSpace(PurposeOfUse))
            return "the cohort's purpose of use is empty";
        if (Candidates < 0 || Included < 0 || ExcludedWithoutConsent < 0 || ExcludedIncomplete < 0 || RecordsWithheld < 0)
            return "cohort counts must not be negative";
        return Included + ExcludedWithoutConsent + ExcludedIncomplete == Candidates
            ? null
            : $"the cohort's included ({Included}) and excluded ({ExcludedWithoutConsent} + {ExcludedIncomplete}) patients do not add up to its {Candidates} candidates";
    }
}
