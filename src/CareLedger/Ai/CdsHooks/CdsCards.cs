using System.Globalization;
using System.Text;
using CareLedger.Ai.Data;
using CareLedger.Ai.Inference;
using CareLedger.Ai.Registry;

namespace CareLedger.Ai.CdsHooks;

/// <summary>
/// A prediction as a CDS Hooks card: the indicator by risk band (critical at or above the model's decision threshold,
/// warning from half of it, info below), the top contributions in the detail, and links to the prediction's ledger
/// receipt, the model card and its bias report.
/// </summary>
internal static class CdsCards
{
    private const int MaxSummary = 139;
    private const int ContributionsShown = 5;

    public static CdsCard Prediction(InferenceResult result, string baseUrl)
    {
        var card = result.Model.Card;
        var threshold = card.Metrics.OutOfFold.Threshold;
        var band = result.Band;
        var indicator = band switch { "high" => "critical", "moderate" => "warning", _ => "info" };
        var summary = result.Set.Kind == PredictionKind.Diagnostic
            ? string.Create(CultureInfo.InvariantCulture, $"{(band == "high" ? "Positive" : "Negative")} ({result.Output.Probability * 100:0}%): {card.Outcome}")
            : string.Create(CultureInfo.InvariantCulture, $"{Capitalised(band)} risk ({result.Output.Probability * 100:0}%): {card.Outcome}");
        var detail = new StringBuilder();
        detail.Append(CultureInfo.InvariantCulture, $"**Probability {result.Output.Probability:0.000}** ({band}; the model's decision threshold is {threshold:0.00}).\n\n");
        var top = result.Output.ByImportance().Take(ContributionsShown).ToList();
        if (top.Count > 0)
        {
            detail.Append("| feature | value | contribution (log-odds) |\n|---|---|---|\n");
            foreach (var c in top)
            {
                var value = double.IsNaN(c.Value) ? "not recorded" : c.Value.ToString("0.###", CultureInfo.InvariantCulture);
                detail.Append(CultureInfo.InvariantCulture, $"| {c.Feature} | {value} | {c.Contribution:+0.00;-0.00} |\n");
            }

            detail.Append('\n');
        }

        if (result.Missing.Count > 0)
        {
            detail.Append(CultureInfo.InvariantCulture, $"Not recorded (imputed): {string.Join(", ", result.Missing)}.\n\n");
        }

        detail.Append(CultureInfo.InvariantCulture,
            $"Model {result.Model.Id}, cross-validated AUROC {card.Metrics.MeanAuroc:0.000}; intended use: {card.IntendedUse.Description} ({card.IntendedUse.Population}). ");
        detail.Append(CultureInfo.InvariantCulture, $"This prediction is anchored on the ledger in transaction {result.Transaction}.");
        return new CdsCard(
            result.Id.ToString("D"),
            Truncate(summary),
            indicator,
            Source(result.Model, baseUrl),
            detail.ToString(),
            [
                new CdsLink("Ledger receipt of this prediction", $"{baseUrl}/ledger/receipts/{result.Transaction}", "absolute"),
                new CdsLink("Model card", $"{baseUrl}/ai/models/{result.Model.Id}", "absolute"),
                new CdsLink("Bias audit", $"{baseUrl}/ai/models/{result.Model.Id}/bias-report", "absolute"),
            ]);
    }

    /// <summary>No prediction was permitted (audited): the clinician learns that, and why.</summary>
    public static CdsCard Refused(RegisteredModel model, InferenceRefusedException refusal, string baseUrl) => new(
        Guid.NewGuid().ToString("D"),
        Truncate(refusal.ByConsent ? $"No {model.Card.Name} prediction: consent does not permit this use" : $"No {model.Card.Name} prediction: not permitted for this request"),
        "info",
        Source(model, baseUrl),
        $"No prediction was made: {refusal.Message}.",
        null);

    private static CdsSource Source(RegisteredModel model, string baseUrl) =>
        new($"CareLedger AI: {model.Id}", $"{baseUrl}/ai/models/{model.Id}", new CdsCoding(PredictionResources.ModelSystem, model.Id, model.Card.Outcome));

    private static string Capitalised(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    private static string Truncate(string text) => text.Length <= MaxSummary ? text : text[..(MaxSummary - 1)] + "…";
}
