namespace CareLedger.Portal.Records;

/// <summary>One line of a patient's timeline, in plain words.</summary>
/// <param name="Kind">"Encounter", "Condition", "Observation", "Medication", "Immunisation", "Risk assessment".</param>
public sealed record TimelineEntry(DateTimeOffset? When, string Kind, string Text, string? Detail);
