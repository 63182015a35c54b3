namespace CareLedger.Access.Gate;

/// <summary>
/// The circumstances of one request through the door.
/// </summary>
/// <param name="Purpose">
/// The purpose of use, a v3 ActReason code (<c>TREAT</c>, <c>ETREAT</c>, <c>HRESCH</c>, <c>CLINTRCH</c>, <c>PATRQT</c>, ...);
/// null for the caller's role default (clinician TREAT, patient PATRQT, delegate FAMRQT, researcher HRESCH, system TREAT).
/// </param>
/// <param name="RequestId">Correlates the audit record with the HTTP request (opaque).</param>
public sealed record AccessContext(string? Purpose = null, string? RequestId = null)
{
    /// <summary>The default context: the role's purpose, no break-glass.</summary>
    public static AccessContext Default { get; } = new();

    /// <summary>Present when a clinician claims emergency access (purpose ETREAT).</summary>
    public BreakGlassRequest? BreakGlass { get; init; }
}

/// <summary>An emergency-access claim: why, and until when (the profile caps the duration).</summary>
public sealed record BreakGlassRequest(string Reason, DateTimeOffset ExpiresAt);
