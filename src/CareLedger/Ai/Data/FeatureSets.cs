using CareLedger.Analytics.Registry;

namespace CareLedger.Ai.Data;

/// <summary>
/// The feature sets of the two reference data sets (data/clinical). LOINC codes where LOINC has the measurement;
/// otherwise <see cref="ClinicalCode.ClinicalFeatures"/> with the CSV column name as the code.
/// </summary>
public static class FeatureSets
{
    private static readonly string[] WdbcMeasures =
    [
        "radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity", "concave_points", "symmetry", "fractal_dimension",
    ];

    /// <summary>Wisconsin Diagnostic Breast Cancer: 30 nuclear features of a fine-needle aspirate image; outcome malignant.</summary>
    public static FeatureSet Wdbc { get; } = new(
        "wdbc",
        "Breast mass malignancy from fine-needle aspirate image features",
        [
            .. WdbcMeasures.Select(m => Local($"mean_{m}", $"Mean {Words(m)} of cell nuclei in a breast fine-needle aspirate image")),
            .. WdbcMeasures.Select(m => Local($"{m}_error", $"Standard error of {Words(m)} of cell nuclei in a breast fine-needle aspirate image")),
            .. WdbcMeasures.Select(m => Local($"worst_{m}", $"Worst (largest) {Words(m)} of cell nuclei in a breast fine-needle aspirate image")),
        ],
        new ClinicalCode(ClinicalCode.ClinicalFeatures, "wdbc-malignant", "Breast mass malignant on diagnosis (fine-needle aspirate)"),
        new IntendedUse(
            "Decision support: probability that a breast mass sampled by fine-needle aspiration is malignant",
            "adults with a breast mass sampled by fine-needle aspiration",
            "TREAT",
            "supports, never replaces, the cytopathologist; trained on one institution's 569 aspirates (Wisconsin, 1995); sex and age of the demo patients are synthetic"),
        PredictionKind.Diagnostic,
        new ClinicalCode("http://terminology.hl7.org/CodeSystem/v2-0074", "CP", "Cytopathology"));

    /// <summary>Pima Indians Diabetes: 8 clinical measurements of women aged 21 and over; outcome diabetes within five years.</summary>
    public static FeatureSet Pima { get; } = new(
        "pima",
        "Type 2 diabetes risk from routine measurements",
        [
            new("pregnant", new ClinicalCode(ClinicalCode.Loinc, "11996-6", "[#] Pregnancies"), "{#}"),
            new("glucose", new ClinicalCode(ClinicalCode.Loinc, "1518-0", "Glucose [Mass/volume] in Serum or Plasma --2 hours post 75 g glucose PO"), "mg/dL"),
            new("pressure", new ClinicalCode(ClinicalCode.Loinc, "8462-4", "Diastolic blood pressure"), "mm[Hg]"),
            new("triceps", new ClinicalCode(ClinicalCode.ClinicalFeatures, "triceps", "Triceps skin fold thickness"), "mm"),
            new("insulin", new ClinicalCode(ClinicalCode.ClinicalFeatures, "insulin", "Serum insulin 2 hours after an oral glucose load"), "u[IU]/mL"),
            new("mass", new ClinicalCode(ClinicalCode.Loinc, "39156-5", "Body mass index (BMI) [Ratio]"), "kg/m2"),
            new("pedigree", new ClinicalCode(ClinicalCode.ClinicalFeatures, "pedigree", "Diabetes pedigree function (family history score)"), "1"),
            new("age", new ClinicalCode(ClinicalCode.Loinc, "30525-0", "Age"), "a"),
        ],
        new ClinicalCode(ClinicalCode.ClinicalFeatures, "pima-diabetes", "Diabetes mellitus type 2 diagnosed within five years"),
        new IntendedUse(
            "Decision support: probability of type 2 diabetes within five years",
            "women aged 21 and over",
            "TREAT",
            "trained on one population (Pima Indian heritage, 1988); not validated for men, pregnancy or other populations"),
        PredictionKind.Predictive);

    public static IReadOnlyList<FeatureSet> All { get; } = [Wdbc, Pima];

    /// <summary>The feature set a model card reads: the one whose feature names are the card's, in order; null if none.</summary>
    public static FeatureSet? Of(ModelCard card) =>
        All.FirstOrDefault(s => s.FeatureNames.SequenceEqual(card.Features, StringComparer.Ordinal));

    /// <exception cref="ArgumentException">No feature set has that id.</exception>
    public static FeatureSet Find(string id) =>
        All.FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.Ordinal))
        ?? throw new ArgumentException($"unknown data set '{id}'; use one of {string.Join(", ", All.Select(s => s.Id))}", nameof(id));

    private static FeatureDefinition Local(string name, string display) => new(name, new ClinicalCode(ClinicalCode.ClinicalFeatures, name, display), null);

    private static string Words(string measure) => measure.Replace('_', ' ');
}
