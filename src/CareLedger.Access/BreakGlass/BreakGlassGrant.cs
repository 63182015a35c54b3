namespace CareLedger.Access.BreakGlass;

/// <summary>An emergency access a credentialed clinician opened on one patient's record, until <see cref="ExpiresAt"/>.</summary>
/// <param name="Patient">The patient's vault pseudonym.</param>
public sealed record BreakGlassGrant(
    Guid Id,
    string AccessorSubject,
    string? AccessorReference,
    byte[] Patient,
    string Reason,
    DateTimeOffset OpenedAt,
    DateTimeOffset ExpiresAt);
