using System.Globalization;
using CareLedger.Analytics.Fairness;
using CareLedger.Analytics.Metrics;
using CareLedger.Analytics.Registry;

namespace CareLedger.Analytics.Deployment;

/// <summary>Decides whether a model may be deployed. Deny by default: a fairness limit with no bias report fails.</summary>
public static class DeploymentGate
{
    public static GateDecision Evaluate(GatePolicy policy, ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return Evaluate(policy, card.Metrics, card.Bias);
    }

    public static GateDecision Evaluate(GatePolicy policy, ValidationSummary metrics, BiasReport? bias)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(metrics);
        var checks = new List<GateCheck>
        {
            AtLeast("auroc", "cross-validated AUROC", metrics.MeanAuroc, policy.MinAuroc),
        };
        if (policy.MaxExpectedCalibrationError is { } maxEce)
            checks.Add(AtMost("calibration", "expected calibration error", metrics.OutOfFold.ExpectedCalibrationError, maxEce));

        var needsBias = policy.MaxEqualizedOddsDifference is not null || policy.MaxDemographicParityDifference is not null
            || policy.MinSubgroupAuroc is not null;
        if (needsBias && (bias is null || bias.Attributes.Count == 0))
        {
            checks.Add(new GateCheck("bias-report", false, "no bias audit is available, so fairness limits cannot be verified"));
        }
        else if (bias is not null)
        {
            foreach (var attribute in bias.Attributes)
            {
                if (policy.MaxEqualizedOddsDifference is { } maxEod)
                    checks.Add(AtMost("equalized-odds", $"equalised odds difference by {attribute.Attribute}", attribute.EqualizedOddsDifference, maxEod));
                if (policy.MaxDemographicParityDifference is { } maxDpd)
                    checks.Add(AtMost("demographic-parity", $"demographic parity difference by {attribute.Attribute}", attribute.DemographicParityDifference, maxDpd));
                if (policy.MinSubgroupAuroc is { } minGroupAuroc)
                {
                    foreach (var group in attribute.Groups.Where(g => g.Auroc is not null))
                        checks.Add(AtLeast("subgroup-auroc", $"AUROC of {attribute.Attribute} = {group.Group}", group.Auroc!.Value, minGroupAuroc));
                }
            }
        }

        return new GateDecision(checks.All(c => c.Passed), checks);
    }

    private static GateCheck AtLeast(string criterion, string what, double value, double limit) =>
        new(criterion, value >= limit, Describe(what, value, value >= limit ? "≥" : "<", limit));

    private static GateCheck AtMost(string criterion, string what, double value, double limit) =>
        new(criterion, value <= limit, Describe(what, value, value <= limit ? "≤" : ">", limit));

    private static string Describe(string what, double value, string relation, double limit) =>
        string.Create(CultureInfo.InvariantCulture, $"{what} is {value:0.0000} {relation} {limit:0.0000}");
}
