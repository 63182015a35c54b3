namespace CareLedger.Consent.Decisions;

/// <summary>The outcome of a consent decision. <see cref="Deny"/> is the zero value: deny by default.</summary>
public enum DecisionEffect
{
    Deny = 0,
    Permit = 1,
    /// <summary>Permitted only as emergency access: flagged, with notification obligations.</summary>
    BreakGlassPermit = 2,
}
