using System.Text.RegularExpressions;
using CareLedger.Analytics.Data;
using CareLedger.Analytics.Fairness;

namespace CareLedger.Analytics.Tests.Fairness;

public class BiasAuditTests
{
    [Fact]
    public void An_audit_of_the_Fairlearn_example_reports_the_documented_disparities_and_group_rates()
    {
        var probabilities = FairlearnExample.YPred.Select(p => p ? 0.9 : 0.1).ToArray();
        var audit = BiasAudit.Run(probabilities, FairlearnExample.YTrue,
            new Dictionary<string, IReadOnlyList<string>> { ["site"] = FairlearnExample.SensitiveFeatures });

        var site = Assert.Single(audit.Report.Attributes);
        Assert.Equal("site", site.Attribute);
        Assert.Equal(0.25, site.DemographicParityDifference);
        Assert.Equal(1.0, site.EqualizedOddsDifference);
        var a = site.Groups.Single(g => g.Group == "a");
        Assert.Equal((4, 2, 0.75, 0.5, 1.0), (a.Count, a.Positives, a.SelectionRate, a.TruePositiveRate, a.FalsePositiveRate));
        Assert.Equal(0.25, a.Auroc);  // positives scored 0.9 and 0.1, both negatives 0.9: pairs ½, ½, 0, 0
    }

    [Fact]
    public void Pima_out_of_fold_predictions_are_audited_by_age_band_with_subgroup_auroc_and_calibration()
    {
        var cv = TestData.PimaLogisticCv;
        var audit = BiasAudit.Run(TestData.Pima.Rows, cv.OutOfFoldProbabilities, ["age_band"]);

        var ageBand = Assert.Single(audit.Report.Attributes);
        Assert.Equal(["20-29", "30-39", "40-49", "50+"], ageBand.Groups.Select(g => g.Group));
        Assert.Equal(TestData.Pima.Count, ageBand.Groups.Sum(g => g.Count));
        Assert.All(ageBand.Groups, g =>
        {
            Assert.InRange(g.Auroc!.Value, 0.5, 1.0);
            Assert.InRange(g.ExpectedCalibrationError, 0.0, 0.5);
            Assert.Equal(g.Count, g.Reliability.Sum(b => b.Count));
            Assert.NotNull(audit.RocCurveOf("age_band", g.Group));
        });
        var rates = ageBand.Groups.Select(g => g.SelectionRate).ToArray();
        Assert.Equal(rates.Max() - rates.Min(), ageBand.DemographicParityDifference, 12);
    }

    [Fact]
    public void Rows_without_the_attribute_form_a_not_recorded_group()
    {
        FeatureRow[] rows =
        [
            new([1f], true, new Dictionary<string, string> { ["sex"] = "female" }),
            new([2f], false, new Dictionary<string, string> { ["sex"] = "female" }),
            new([3f], true),
            new([4f], false),
        ];

        var audit = BiasAudit.Run(rows, [0.8, 0.3, 0.6, 0.4], ["sex"]);

        Assert.Equal([BiasAudit.NotRecorded, "female"], audit.Report.Attributes[0].Groups.Select(g => g.Group));
    }

    [Fact]
    public void A_group_with_one_outcome_has_no_auroc_and_no_curve()
    {
        var audit = BiasAudit.Run([0.2, 0.7, 0.9], [false, true, true],
            new Dictionary<string, IReadOnlyList<string>> { ["sex"] = ["m", "f", "f"] });

        var female = audit.Report.Attributes[0].Groups.Single(g => g.Group == "f");
        Assert.Null(female.Auroc);
        Assert.Null(audit.RocCurveOf("sex", "f"));
    }

    [Fact]
    public void The_html_report_is_one_self_contained_file_with_embedded_png_plots()
    {
        var audit = BiasAudit.Run(TestData.Pima.Rows, TestData.PimaLogisticCv.OutOfFoldProbabilities, ["age_band"]);

        var html = audit.ToHtml("Pima diabetes risk — bias audit");

        var images = Regex.Matches(html, "src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");
        Assert.Equal(2, images.Count); // ROC curves and calibration for the one attribute
        foreach (Match image in images)
        {
            var png = Convert.FromBase64String(image.Groups[1].Value);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png.Take(4));
        }

        Assert.DoesNotContain("http", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<td>50+</td>", html, StringComparison.Ordinal);
        Assert.Contains("— bias audit</title>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Group_names_are_html_escaped_in_the_report()
    {
        var audit = BiasAudit.Run([0.2, 0.7, 0.4, 0.9], [false, true, false, true],
            new Dictionary<string, IReadOnlyList<string>> { ["site"] = ["<script>", "<script>", "b&c", "b&c"] });

        var html = audit.ToHtml("audit");

        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("b&amp;c", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void An_attribute_column_of_the_wrong_length_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => BiasAudit.Run([0.2, 0.7], [false, true],
            new Dictionary<string, IReadOnlyList<string>> { ["sex"] = ["m"] }));
        Assert.Contains("sex", e.Message, StringComparison.Ordinal);
    }
}
