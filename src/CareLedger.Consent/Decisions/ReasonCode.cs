namespace CareLedger.Consent.Decisions;

/// <summary>What a <see cref="DecisionReason"/> says, for machines; its message says it for people.</summary>
public enum ReasonCode
{
    /// <summary>The consent's status is not active (draft, proposed, rejected, inactive, entered-in-error).</summary>
    ConsentNotActive = 1,
    /// <summary>The consent's base period has not started.</summary>
    ConsentNotYetInForce = 2,
    /// <summary>The consent's base period has ended.</summary>
    ConsentEnded = 3,
    /// <summary>The consent's scope does not govern this request (treatment or advance directive; research for a non-research purpose).</summary>
    ConsentScopeNotApplicable = 4,
    /// <summary>The consent's base provision does not match the request (see <see cref="DecisionReason.Dimensions"/>).</summary>
    ConsentDoesNotCover = 5,
    /// <summary>The consent's most specific matching provision permits.</summary>
    ProvisionPermits = 6,
    /// <summary>The consent's most specific matching provision denies.</summary>
    ProvisionDenies = 7,
    /// <summary>No consent decided; the jurisdiction profile's default permits.</summary>
    ProfileDefaultPermits = 8,
    /// <summary>No consent decided; the jurisdiction profile's default denies.</summary>
    ProfileDefaultDenies = 9,
    /// <summary>A delegate acts within the scope of the delegation.</summary>
    DelegateWithinScope = 10,
    /// <summary>A delegate acts outside the scope of the delegation (see <see cref="DecisionReason.Dimensions"/>).</summary>
    DelegateOutsideScope = 11,
    /// <summary>The resource is in a category that a minor's guardian may not see.</summary>
    WithheldFromGuardian = 12,
    /// <summary>Emergency access granted.</summary>
    BreakGlassGranted = 13,
    /// <summary>Emergency access was asked for but consent already permits.</summary>
    BreakGlassNotNeeded = 14,
    /// <summary>The jurisdiction profile does not allow emergency access.</summary>
    BreakGlassDisabled = 15,
    /// <summary>Emergency access requires the purpose ETREAT.</summary>
    BreakGlassWrongPurpose = 16,
    /// <summary>Emergency access requires a valid clinical credential.</summary>
    BreakGlassNoCredential = 17,
    /// <summary>Emergency access requires a stated reason.</summary>
    BreakGlassNoReason = 18,
    /// <summary>The emergency access expiry is not in the future.</summary>
    BreakGlassExpired = 19,
    /// <summary>The emergency access expiry is further away than the profile allows.</summary>
    BreakGlassTooLong = 20,
    /// <summary>The patient explicitly denied emergency access (a matching deny provision names ETREAT).</summary>
    BreakGlassRefusedByPatient = 21,
}
