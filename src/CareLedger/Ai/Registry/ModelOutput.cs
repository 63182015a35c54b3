using CareLedger.Analytics.Inference;

namespace CareLedger.Ai.Registry;

/// <summary>
/// A model's answer for one patient: the probability of the card's outcome and, for ML.NET models, one contribution per
/// feature (<see cref="Method"/> says how they were computed; empty for ONNX models, which come without an explainer).
/// </summary>
public sealed record ModelOutput(double Probability, string Method, IReadOnlyList<FeatureContribution> Contributions)
{
    public const string LinearExact = "linear-exact";
    public const string TreePathAttribution = "tree-path-attribution";
    public const string NoExplanation = "none";

    public IEnumerable<FeatureContribution> ByImportance() =>
        Contributions.OrderByDescending(c => Math.Abs(c.Contribution)).ThenBy(c => c.Feature, StringComparer.Ordinal);
}
