using CareLedger.Consent.Model;

namespace CareLedger.Consent.Vocabulary;

/// <summary>Purpose-of-use codes from HL7 v3 ActReason.</summary>
public static class PurposesOfUse
{
    public static readonly Coding Treatment = new(CodeSystems.ActReason, "TREAT");
    public static readonly Coding EmergencyTreatment = new(CodeSystems.ActReason, "ETREAT");
    public static readonly Coding HealthcareResearch = new(CodeSystems.ActReason, "HRESCH");
    public static readonly Coding BiomedicalResearch = new(CodeSystems.ActReason, "BIORCH");
    public static readonly Coding ClinicalTrialResearch = new(CodeSystems.ActReason, "CLINTRCH");
    public static readonly Coding ClinicalTrialResearchNonPatientCare = new(CodeSystems.ActReason, "CLINTRCHNPC");
    public static readonly Coding ClinicalTrialResearchPatientCare = new(CodeSystems.ActReason, "CLINTRCHPC");
    public static readonly Coding PreclinicalTrialResearch = new(CodeSystems.ActReason, "PRECLINTRCH");
    public static readonly Coding DiseaseSpecificResearch = new(CodeSystems.ActReason, "DSRCH");
    public static readonly Coding PopulationOriginsResearch = new(CodeSystems.ActReason, "POARCH");
    public static readonly Coding TranslationalResearch = new(CodeSystems.ActReason, "TRANSRCH");
    public static readonly Coding PatientRequested = new(CodeSystems.ActReason, "PATRQT");
    public static readonly Coding FamilyRequested = new(CodeSystems.ActReason, "FAMRQT");

    /// <summary>HRESCH and its v3 specialisations: the purposes that research-scope consents govern.</summary>
    public static IReadOnlyList<Coding> Research { get; } =
    [
        HealthcareResearch, BiomedicalResearch, ClinicalTrialResearch, ClinicalTrialResearchNonPatientCare,
        ClinicalTrialResearchPatientCare, PreclinicalTrialResearch, DiseaseSpecificResearch,
        PopulationOriginsResearch, TranslationalResearch,
    ];
}
