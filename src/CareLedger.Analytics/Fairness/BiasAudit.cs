using CareLedger.Analytics.Data;
using CareLedger.Analytics.Metrics;

namespace CareLedger.Analytics.Fairness;

/// <summary>
/// A bias audit of predicted probabilities against outcomes, by any categorical attributes. Holds the data needed for
/// the per-group ROC curves of the HTML report; <see cref="Report"/> is the serialisable part for the model card.
/// </summary>
public sealed class BiasAudit
{
    /// <summary>Group name used for rows that do not record the attribute, so they are audited rather than dropped.</summary>
    public const string NotRecorded = "(not recorded)";

    private readonly Dictionary<(string Attribute, string Group), RocCurve> _curves;

    private BiasAudit(BiasReport report, Dictionary<(string, string), RocCurve> curves)
    {
        Report = report;
        _curves = curves;
    }

    public BiasReport Report { get; }

    public static BiasAudit Run(
        IReadOnlyList<double> probabilities,
        IReadOnlyList<bool> labels,
        IReadOnlyDictionary<string, IReadOnlyList<string>> attributes,
        double threshold = ModelMetrics.DefaultThreshold)
    {
        InputCheck.SameLength(probabilities, nameof(probabilities), labels, nameof(labels));
        InputCheck.Probabilities(probabilities, nameof(probabilities));
        ArgumentNullException.ThrowIfNull(attributes);
        if (probabilities.Count == 0)
            throw new ArgumentException("A bias audit needs at least one prediction.", nameof(probabilities));
        if (attributes.Count == 0)
            throw new ArgumentException("A bias audit needs at least one attribute to group by.", nameof(attributes));
        if (!(threshold > 0 && threshold < 1))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The decision threshold must be strictly between 0 and 1.");

        var predicted = probabilities.Select(p => p >= threshold).ToArray();
        var curves = new Dictionary<(string, string), RocCurve>();
        var audits = new List<AttributeAudit>();
        foreach (var (attribute, values) in attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            InputCheck.SameLength(labels, nameof(labels), values, $"attributes[\"{attribute}\"]");
            var rates = FairnessMetrics.RatesByGroup(labels, predicted, values);
            var groups = new List<SubgroupMetrics>(rates.Count);
            foreach (var (group, rate) in rates)
            {
                var members = Enumerable.Range(0, labels.Count).Where(i => values[i] == group).ToArray();
                var groupProbabilities = members.Select(i => probabilities[i]).ToArray();
                var groupLabels = members.Select(i => labels[i]).ToArray();
                double? auroc = null;
                if (rate.Positives > 0 && rate.Negatives > 0)
                {
                    auroc = RocAuc.Compute(groupProbabilities, groupLabels);
                    curves[(attribute, group)] = RocAuc.Curve(groupProbabilities, groupLabels);
                }

                var calibration = Calibration.Compute(groupProbabilities, groupLabels);
                groups.Add(new SubgroupMetrics(group, rate.Count, rate.Positives, auroc, rate.TruePositiveRate, rate.FalsePositiveRate,
                    rate.SelectionRate, calibration.ExpectedCalibrationError, calibration.Bins));
            }

            audits.Add(new AttributeAudit(
                attribute,
                groups,
                FairnessMetrics.DemographicParityDifference(labels, predicted, values),
                FairnessMetrics.EqualizedOddsDifference(labels, predicted, values)));
        }

        return new BiasAudit(new BiasReport(threshold, audits), curves);
    }

    /// <summary>Audits rows' own attributes; a row without an attribute is put in the group <see cref="NotRecorded"/>.</summary>
    public static BiasAudit Run(
        IReadOnlyList<FeatureRow> rows,
        IReadOnlyList<double> probabilities,
        IEnumerable<string> attributeNames,
        double threshold = ModelMetrics.DefaultThreshold)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(attributeNames);
        var attributes = attributeNames.Distinct(StringComparer.Ordinal).ToDictionary(
            name => name,
            IReadOnlyList<string> (name) => rows.Select(r => r.Attributes.TryGetValue(name, out var v) ? v : NotRecorded).ToArray(),
            StringComparer.Ordinal);
        return Run(probabilities, rows.Select(r => r.Label).ToArray(), attributes, threshold);
    }

    /// <summary>The group's ROC curve, or null when the group lacks positives or negatives.</summary>
    public RocCurve? RocCurveOf(string attribute, string group) => _curves.GetValueOrDefault((attribute, group));

    /// <summary>One self-contained HTML page (plots embedded as PNG data URIs) for auditors and the portal.</summary>
    public string ToHtml(string title) => BiasReportHtml.Render(this, title);
}
