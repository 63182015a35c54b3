using CareLedger.Consent.Model;
using CareLedger.Consent.Vocabulary;

namespace CareLedger.Consent.Profiles;

/// <summary>The rules of a jurisdiction that surround patients' consents.</summary>
/// <param name="Name">A short name used in reasons, e.g. <c>opt-in</c>.</param>
public sealed record JurisdictionProfile(string Name, NoConsentDefault Default)
{
    /// <summary>Deny without consent (GDPR-style explicit consent).</summary>
    public static JurisdictionProfile OptIn { get; } = new("opt-in", NoConsentDefault.DenyAll);

    /// <summary>
    /// Treatment by the care team without consent until the patient opts out; substance-use records (42 CFR Part 2)
    /// still need explicit consent.
    /// </summary>
    public static JurisdictionProfile OptOutForTreatment { get; } =
        new("opt-out-for-treatment", NoConsentDefault.PermitTreatmentByCareTeam)
        {
            DefaultPermitExcludesLabels = [SecurityLabels.SubstanceUse],
        };

    /// <summary>Resources with any of these labels are never permitted by the default; they need a consent.</summary>
    public IReadOnlyList<Coding> DefaultPermitExcludesLabels { get; init; } = [];

    public BreakGlassPolicy BreakGlass { get; init; } = BreakGlassPolicy.Default;

    /// <summary>Resources with any of these labels are withheld from a minor's guardian.</summary>
    public IReadOnlyList<Coding> WithheldFromGuardiansOfMinors { get; init; } = SecurityLabels.MinorsProtectedCategories;

    /// <summary>Purposes that research-scope consents govern.</summary>
    public IReadOnlyList<Coding> ResearchPurposes { get; init; } = PurposesOfUse.Research;
}
