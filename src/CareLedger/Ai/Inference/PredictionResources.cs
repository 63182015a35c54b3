using System.Globalization;
using CareLedger.Ai.Data;
using Hl7.Fhir.Model;

namespace CareLedger.Ai.Inference;

/// <summary>
/// A prediction as FHIR R4 (docs/ai.md, "Inference"): a predictive model's as a <c>RiskAssessment</c>, a diagnostic
/// model's as a <c>DiagnosticReport</c> whose result is a contained <c>Observation</c> (A3). Both name the model
/// (<c>method</c>), the Observation versions read (<c>basis</c> / <c>derivedFrom</c>) and the probability; the
/// explanation and the accountability are extensions on the resource: the model (id, file SHA-256, explanation method,
/// card), one <c>ai-feature-contribution</c> per feature (most important first), the ledger anchor (transaction,
/// receipt URL), and who asked (<c>ai-requested-by</c>: the role, and the Practitioner as text — a reference here would
/// have to resolve at every member the record is disclosed to).
/// </summary>
public static class PredictionResources
{
    public const string ExtensionBase = "https://careledger.org/fhir/StructureDefinition/";
    public const string ModelExtension = ExtensionBase + "ai-model";
    public const string ContributionExtension = ExtensionBase + "ai-feature-contribution";
    public const string AnchorExtension = ExtensionBase + "ai-inference-anchor";
    public const string RequesterExtension = ExtensionBase + "ai-requested-by";
    public const string ModelSystem = "https://careledger.org/fhir/CodeSystem/ai-model";
    public const string RiskProbability = "http://terminology.hl7.org/CodeSystem/risk-probability";
    public const string ObservationInterpretation = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";

    /// <summary>The id of the contained Observation of a diagnostic report (referenced as <c>#prediction</c>).</summary>
    public const string DiagnosticObservationId = "prediction";

    /// <param name="baseUrl">The node's public base (scheme, host, path base), for the card and receipt links.</param>
    /// <param name="requester">Who asked (a clinician, for a treatment model), recorded as role and FHIR reference; null: not said.</param>
    public static DomainResource From(InferenceResult result, string baseUrl, CareLedger.Access.Callers.Accessor? requester = null)
    {
        DomainResource resource = result.Set.Kind switch
        {
            PredictionKind.Diagnostic => DiagnosticReport(result, baseUrl),
            _ => RiskAssessment(result, baseUrl),
        };
        if (requester is null)
        {
            return resource;
        }

        var parts = new List<Extension> { new("role", new Code(requester.Role.ToName())) };
        if (requester.Reference is { } reference)
        {
            parts.Add(new Extension("who", new FhirString(reference)));
        }

        resource.Extension.Add(new Extension { Url = RequesterExtension, Extension = parts });
        return resource;
    }

    public static RiskAssessment RiskAssessment(InferenceResult result, string baseUrl)
    {
        var card = result.Model.Card;
        var assessment = new RiskAssessment
        {
            Id = result.Id.ToString("D"),
            Status = ObservationStatus.Final,
            Subject = new ResourceReference($"Patient/{result.PatientId}"),
            Occurrence = new FhirDateTime(result.Time),
            Method = Method(result),
            Basis = Basis(result),
            Prediction =
            [
                new RiskAssessment.PredictionComponent
                {
                    Outcome = Outcome(result),
                    Probability = new FhirDecimal(Round(result.Output.Probability)),
                    QualitativeRisk = Concept(RiskProbability, result.Band, $"{char.ToUpperInvariant(result.Band[0])}{result.Band[1..]} likelihood"),
                },
            ],
            Note = [new Annotation { Text = new Markdown(Summary(result)) }],
        };
        AddAccountability(assessment, result, baseUrl);
        return assessment;
    }

    /// <summary>
    /// The report (category from the feature set, code = the outcome, <c>conclusion</c> = the explanation in words) and
    /// its result: an Observation of the outcome whose value is the probability (UCUM <c>1</c>), interpreted positive at or
    /// above the model's decision threshold and negative below it.
    /// </summary>
    public static DiagnosticReport DiagnosticReport(InferenceResult result, string baseUrl)
    {
        var threshold = result.Model.Card.Metrics.OutOfFold.Threshold;
        var positive = result.Output.Probability >= threshold;
        var subject = new ResourceReference($"Patient/{result.PatientId}");
        var observation = new Observation
        {
            Id = DiagnosticObservationId,
            Status = ObservationStatus.Final,
            Code = Outcome(result),
            Subject = subject,
            Effective = result.InputsEffective is { } effective ? new FhirDateTime(effective) : null,
            Issued = result.Time,
            Value = new Quantity { Value = Round(result.Output.Probability), Unit = "probability", System = "http://unitsofmeasure.org", Code = "1" },
            Interpretation = [Concept(ObservationInterpretation, positive ? "POS" : "NEG", positive ? "Positive" : "Negative")],
            Method = Method(result),
            DerivedFrom = Basis(result),
            Note = [new Annotation { Text = new Markdown(string.Create(CultureInfo.InvariantCulture, $"Positive at probability ≥ {threshold:0.00}, the model's decision threshold.")) }],
        };
        var category = result.Set.DiagnosticCategory;
        var report = new DiagnosticReport
        {
            Id = result.Id.ToString("D"),
            Status = Hl7.Fhir.Model.DiagnosticReport.DiagnosticReportStatus.Final,
            Category = category is null ? [] : [Concept(category.System, category.Code, category.Display)],
            Code = Outcome(result),
            Subject = subject,
            Effective = observation.Effective,
            Issued = result.Time,
            Contained = [observation],
            Result = [new ResourceReference("#" + DiagnosticObservationId)],
            Conclusion = Summary(result),
        };
        AddAccountability(report, result, baseUrl);
        return report;
    }

    /// <summary>The band against the model's decision threshold t: high ≥ t, moderate ≥ t/2, else low.</summary>
    public static string Band(double probability, double threshold) =>
        probability >= threshold ? "high" : probability >= threshold / 2 ? "moderate" : "low";

    /// <summary>One line: the outcome, the probability, the model and its AUROC, the largest contributions, what was imputed.</summary>
    public static string Summary(InferenceResult result)
    {
        var card = result.Model.Card;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{card.Outcome}: probability {result.Output.Probability:0.000} by {result.Model.Id} (cross-validated AUROC {card.Metrics.MeanAuroc:0.000}).");
        var top = result.Output.ByImportance().Take(3).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Feature} {c.Contribution:+0.00;-0.00}")).ToList();
        if (top.Count > 0)
        {
            text += " Largest contributions (log-odds): " + string.Join(", ", top) + ".";
        }

        if (result.Missing.Count > 0)
        {
            text += $" Not recorded, imputed with the training mean: {string.Join(", ", result.Missing)}.";
        }

        return text;
    }

    private static void AddAccountability(DomainResource resource, InferenceResult result, string baseUrl)
    {
        var card = result.Model.Card;
        resource.Extension.Add(new Extension
        {
            Url = ModelExtension,
            Extension =
            [
                new Extension("id", new FhirString(result.Model.Id)),
                new Extension("sha256", new FhirString(card.ModelSha256)),
                new Extension("explanation", new Code(result.Output.Method)),
                new Extension("card", new FhirUrl($"{baseUrl}/ai/models/{result.Model.Id}")),
            ],
        });
        foreach (var contribution in result.Output.ByImportance())
        {
            var parts = new List<Extension> { new("feature", new FhirString(contribution.Feature)) };
            if (result.Set.Features.FirstOrDefault(f => f.Name == contribution.Feature) is { } feature)
            {
                parts.Add(new Extension("code", new Coding(feature.Code.System, feature.Code.Code, feature.Code.Display)));
            }

            if (double.IsFinite(contribution.Value))
            {
                parts.Add(new Extension("value", new FhirDecimal(Round(contribution.Value))));
            }

            parts.Add(new Extension("modelInput", new FhirDecimal(Round(contribution.ModelInput))));
            parts.Add(new Extension("contribution", new FhirDecimal(Round(contribution.Contribution))));
            resource.Extension.Add(new Extension { Url = ContributionExtension, Extension = parts });
        }

        resource.Extension.Add(new Extension
        {
            Url = AnchorExtension,
            Extension =
            [
                new Extension("transaction", new FhirString(result.Transaction)),
                new Extension("receipt", new FhirUrl($"{baseUrl}/ledger/receipts/{result.Transaction}")),
            ],
        });
    }

    private static CodeableConcept Method(InferenceResult result)
    {
        var card = result.Model.Card;
        return new CodeableConcept(ModelSystem, result.Model.Id, $"{card.Name} {card.Version} ({Kind(card.Kind)})");
    }

    private static CodeableConcept Outcome(InferenceResult result) =>
        Concept(result.Set.Outcome.System, result.Set.Outcome.Code, result.Set.Outcome.Display, result.Model.Card.Outcome);

    // Firely's three-argument constructor takes a text, not a display: the display belongs in the coding.
    private static CodeableConcept Concept(string system, string code, string display, string? text = null) =>
        new() { Coding = [new Coding(system, code, display)], Text = text };

    private static List<ResourceReference> Basis(InferenceResult result) =>
        [.. result.Basis.Select(a => new ResourceReference($"{a.ResourceType}/{a.Id}/_history/{a.Version}"))];

    private static string Kind(Analytics.Training.ModelKind kind) => kind switch
    {
        Analytics.Training.ModelKind.LogisticRegression => "logistic regression",
        Analytics.Training.ModelKind.FastTree => "gradient-boosted trees",
        _ => "ONNX",
    };

    private static decimal Round(double value) => Math.Round((decimal)value, 6, MidpointRounding.ToEven);
}
