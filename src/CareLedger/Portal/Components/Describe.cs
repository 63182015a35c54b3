using System.Globalization;
using CareLedger.Access.Audit;
using CareLedger.Access.Gate;

namespace CareLedger.Portal.Components;

/// <summary>Codes and values in the words people use.</summary>
internal static class Describe
{
    public static string Role(CareLedgerRole role) => role switch
    {
        CareLedgerRole.Patient => "patient",
        CareLedgerRole.Guardian => "guardian",
        CareLedgerRole.Caregiver => "caregiver",
        CareLedgerRole.Clinician => "clinician",
        CareLedgerRole.Researcher => "researcher",
        CareLedgerRole.PrivacyOfficer => "privacy officer",
        CareLedgerRole.BoardOfficer => "licensing-board officer",
        CareLedgerRole.Operator => "operator",
        CareLedgerRole.System => "backend system",
        CareLedgerRole.Anonymous => "unidentified caller",
        _ => role.ToName(),
    };

    public static string Purpose(string code) => code switch
    {
        "TREAT" => "treatment",
        "ETREAT" => "emergency treatment (break-glass)",
        "PATRQT" => "the patient's own request",
        "FAMRQT" => "a family member's or carer's request",
        "HRESCH" => "health research",
        "HOPERAT" => "the organisation's operations",
        _ => code,
    };

    public static string Action(AccessAction action) => action switch
    {
        AccessAction.Read => "read",
        AccessAction.Search => "searched",
        AccessAction.Create => "added",
        AccessAction.Update => "changed",
        AccessAction.Delete => "deleted",
        AccessAction.Export => "exported",
        AccessAction.History => "looked at the history of",
        AccessAction.Use => "used in a model",
        AccessAction.Disclose => "disclosed",
        _ => action.ToString().ToLowerInvariant(),
    };

    public static string Outcome(AuditOutcome outcome) => outcome == AuditOutcome.Permit ? "allowed" : "refused";

    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("d MMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture) : "date unknown";

    public static string Date(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("d MMM yyyy", CultureInfo.InvariantCulture) : "date unknown";
}

/// <summary>The kinds of record a patient may name in a consent or a delegation, in the words people use.</summary>
internal static class DataCategories
{
    public static readonly (string Type, string Words)[] All =
    [
        ("Observation", "tests, measurements and vital signs"),
        ("Condition", "conditions and diagnoses"),
        ("MedicationRequest", "medications"),
        ("Immunization", "immunisations"),
        ("AllergyIntolerance", "allergies"),
        ("Encounter", "visits and hospital stays"),
        ("Procedure", "procedures"),
        ("DiagnosticReport", "reports"),
    ];

    public static string Words(string type) => All.FirstOrDefault(c => c.Type == type).Words ?? type;

    /// <summary>"everything" for none; otherwise the categories joined in plain words.</summary>
    public static string List(IEnumerable<string> types)
    {
        var words = types.Select(Words).ToList();
        return words.Count switch
        {
            0 => "everything in your record",
            1 => words[0],
            _ => string.Join(", ", words[..^1]) + " and " + words[^1],
        };
    }

    /// <summary>The chosen types that are categories of <see cref="All"/>; null if any is not (the form was tampered with).</summary>
    public static string[]? Parse(IEnumerable<string>? chosen)
    {
        var types = (chosen ?? []).Where(c => !string.IsNullOrWhiteSpace(c)).Distinct(StringComparer.Ordinal).ToArray();
        return types.All(t => All.Any(c => c.Type == t)) ? types : null;
    }
}
