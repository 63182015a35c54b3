using CareLedger.Consent.Profiles;

namespace CareLedger.Access.Gate;

/// <summary>How the door of one custodian decides.</summary>
/// <param name="Organisation">The member organisation running the node (the <c>organisation</c> claim of its tokens).</param>
public sealed record AccessGateOptions(string Organisation)
{
    /// <summary>The jurisdiction's rules around consents (deny without consent by default).</summary>
    public JurisdictionProfile Profile { get; init; } = JurisdictionProfile.OptIn;

    /// <summary>
    /// The custodian as consents name it, e.g. <c>Organization/st-elsewhere</c>: callers of this organisation are
    /// presented to the consent engine as members of it, so that a provision whose actor is this reference matches them.
    /// Null when consents cannot name the organisation (provisions by organisation then never permit).
    /// </summary>
    public string? OrganizationReference { get; init; }

    /// <summary>Patients whose compiled consents (and, separately, pseudonyms) are kept in memory at once.</summary>
    public int PatientCacheCapacity { get; init; } = 10_000;

    /// <summary>
    /// Consent decisions about one record version for one requester and purpose kept while they provably hold
    /// (<see cref="DecisionCache"/>, docs/adr/0012-consent-decision-cache.md); 0 turns the cache off.
    /// </summary>
    public int DecisionCacheCapacity { get; init; } = 50_000;
}
