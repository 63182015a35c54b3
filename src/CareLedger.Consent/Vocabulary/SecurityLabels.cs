using CareLedger.Consent.Model;

namespace CareLedger.Consent.Vocabulary;

/// <summary>Security labels (<c>meta.security</c>): sensitivity codes from v3 ActCode and confidentiality codes.</summary>
public static class SecurityLabels
{
    public static readonly Coding Psychiatry = new(CodeSystems.ActCode, "PSY");
    public static readonly Coding SubstanceUse = new(CodeSystems.ActCode, "ETH");
    public static readonly Coding Hiv = new(CodeSystems.ActCode, "HIV");
    public static readonly Coding SexualAndDomesticViolence = new(CodeSystems.ActCode, "SDV");
    public static readonly Coding SexualityAndReproductiveHealth = new(CodeSystems.ActCode, "SEX");
    public static readonly Coding Restricted = new(CodeSystems.Confidentiality, "R");
    public static readonly Coding VeryRestricted = new(CodeSystems.Confidentiality, "V");
    public static readonly Coding Normal = new(CodeSystems.Confidentiality, "N");

    /// <summary>Categories that a minor may keep from a guardian (the default of both built-in profiles).</summary>
    public static IReadOnlyList<Coding> MinorsProtectedCategories { get; } =
        [Psychiatry, SubstanceUse, Hiv, SexualAndDomesticViolence, SexualityAndReproductiveHealth, Restricted, VeryRestricted];
}
