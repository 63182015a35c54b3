using System.Globalization;
using CareLedger.Ai.Data;
using Hl7.Fhir.Model;

namespace CareLedger.Ai.Inference;

/// <summary>
/// A prediction as a FHIR R4 <c>RiskAssessment</c> (docs/ai.md, "RiskAssessment"): <c>method</c> names the model,
/// <c>basis</c> the Observation versions read, <c>prediction[0]</c> the outcome and its probability; the explanation
/// and the accountability are extensions: the model (id, file SHA-256, explanation method), one
/// <c>feature-contribution</c> per feature (most important first), and the ledger anchor (transaction and receipt URL).
/// </summary>
public static class RiskAssessments
{
    public const string ExtensionBase = "https://careledger.org/fhir/StructureDefinition/";
    public const string ModelExtension = ExtensionBase + "ai-model";
    public const string ContributionExtension = ExtensionBase + "ai-feature-contribution";
    public const string AnchorExtension = ExtensionBase + "ai-inference-anchor";
    public const string ModelSystem = "https://careledger.org/fhir/CodeSystem/ai-model";

    /// <param name="baseUrl">The node's public base (scheme, host, path base), for the receipt link.</param>
    public static RiskAssessment From(InferenceResult result, string baseUrl)
    {
        var card = result.Model.Card;
        var assessment = new RiskAssessment
        {
            Id = result.Id.ToString("D"),
            Status = ObservationStatus.Final,
            Subject = new ResourceReference($"Patient/{result.PatientId}"),
            Occurrence = new FhirDateTime(result.Time),
            Method = new CodeableConcept(ModelSystem, result.Model.Id, $"{card.Name} {card.Version} ({Kind(card.Kind)})"),
            Basis = [.. result.Basis.Select(a => new ResourceReference($"{a.ResourceType}/{a.Id}/_history/{a.Version}"))],
            Prediction =
            [
                new RiskAssessment.PredictionComponent
                {
                    Outcome = new CodeableConcept { Text = card.Outcome },
                    Probability = new FhirDecimal(Round(result.Output.Probability)),
                    QualitativeRisk = new CodeableConcept("http://terminology.hl7.org/CodeSystem/risk-probability", Band(result.Output.Probability, card.Metrics.OutOfFold.Threshold)),
                },
            ],
            Note = [new Annotation { Text = new Markdown(Summary(result)) }],
        };
        assessment.Extension.Add(new Extension
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
        var codes = FeatureSets.All.SelectMany(s => s.Features).GroupBy(f => f.Name).ToDictionary(g => g.Key, g => g.First().Code, StringComparer.Ordinal);
        foreach (var contribution in result.Output.ByImportance())
        {
            var parts = new List<Extension> { new("feature", new FhirString(contribution.Feature)) };
            if (codes.TryGetValue(contribution.Feature, out var code))
            {
                parts.Add(new Extension("code", new Coding(code.System, code.Code, code.Display)));
            }

            if (double.IsFinite(contribution.Value))
            {
                parts.Add(new Extension("value", new FhirDecimal(Round(contribution.Value))));
            }

            parts.Add(new Extension("modelInput", new FhirDecimal(Round(contribution.ModelInput))));
            parts.Add(new Extension("contribution", new FhirDecimal(Round(contribution.Contribution))));
            assessment.Extension.Add(new Extension { Url = ContributionExtension, Extension = parts });
        }

        assessment.Extension.Add(new Extension
        {
            Url = AnchorExtension,
            Extension =
            [
                new Extension("transaction", new FhirString(result.Transaction)),
                new Extension("receipt", new FhirUrl($"{baseUrl}/ledger/receipts/{result.Transaction}")),
            ],
        });
        return assessment;
    }

    /// <summary>The risk band against the model's decision threshold t: high ≥ t, moderate ≥ t/2, else low.</summary>
    public static string Band(double probability, double threshold) =>
        probability >= threshold ? "high" : probability >= threshold / 2 ? "moderate" : "low";

    private static string Summary(InferenceResult result)
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

    private static string Kind(Analytics.Training.ModelKind kind) => kind switch
    {
        Analytics.Training.ModelKind.LogisticRegression => "logistic regression",
        Analytics.Training.ModelKind.FastTree => "gradient-boosted trees",
        _ => "ONNX",
    };

    private static decimal Round(double value) => Math.Round((decimal)value, 6, MidpointRounding.ToEven);
}
