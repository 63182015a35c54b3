namespace CareLedger.Consent.Profiles;

/// <summary>When emergency access (purpose ETREAT) may override a deny.</summary>
public sealed record BreakGlassPolicy
{
    public static BreakGlassPolicy Default { get; } = new();

    public bool Enabled { get; init; } = true;

    /// <summary>The longest emergency access that may be asked for, counted from the request time (inclusive).</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// When true, a matching deny provision whose purposes name ETREAT (the patient refused emergency access in
    /// advance) blocks break-glass. Set false where the law lets emergency care override any refusal.
    /// </summary>
    public bool PatientRefusalHonoured { get; init; } = true;
}
