namespace CareLedger.Portal.Records;

/// <summary>
/// What the access layer disclosed of one patient to one caller: the timeline newest first, the vitals to chart, and
/// how many records consent withheld (said, never which).
/// </summary>
public sealed record PatientRecord(string PatientId, string Name, string? BirthDate, IReadOnlyList<TimelineEntry> Entries, IReadOnlyList<VitalSeries> Vitals, int Withheld)
{
    /// <summary>What the reader should know about records not shown, in plain words (a member that is down or refused).</summary>
    public IReadOnlyList<string> Notices { get; init; } = [];

    /// <summary>The Patient resource's identifiers, as disclosed (how the record locator finds the patient at other members).</summary>
    public IReadOnlyList<Hl7.Fhir.Model.Identifier> Identifiers { get; init; } = [];
}
