using System.Globalization;
using System.Net;
using System.Text;
using ScottPlot;

namespace CareLedger.Analytics.Fairness;

/// <summary>Renders a bias audit as one HTML file with no external resources (plots are base64 PNG data URIs).</summary>
internal static class BiasReportHtml
{
    private const int PlotWidth = 640;
    private const int PlotHeight = 480;

    public static string Render(BiasAudit audit, string title)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        var report = audit.Report;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
            .Append(Encode(title))
            .Append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
                + "th,td{border:1px solid #bbb;padding:.3em .6em;text-align:right}th:first-child,td:first-child{text-align:left}"
                + "img{max-width:48%;margin:.5em 1% 0 0}</style>\n</head>\n<body>\n<h1>")
            .Append(Encode(title))
            .Append("</h1>\n<p>Decisions: predicted probability &ge; ")
            .Append(Number(report.Threshold))
            .Append(". Demographic parity difference = largest minus smallest selection rate across groups; equalised odds "
                + "difference = the larger of the true-positive-rate and false-positive-rate differences (Fairlearn's definitions, "
                + "between groups). ECE = expected calibration error over 10 equal-width probability bins.</p>\n");

        foreach (var attribute in report.Attributes)
        {
            html.Append("<section>\n<h2>").Append(Encode(attribute.Attribute)).Append("</h2>\n<p>Demographic parity difference <b>")
                .Append(Number(attribute.DemographicParityDifference)).Append("</b>; equalised odds difference <b>")
                .Append(Number(attribute.EqualizedOddsDifference)).Append("</b>.</p>\n")
                .Append("<table>\n<tr><th>group</th><th>n</th><th>positives</th><th>AUROC</th><th>TPR</th><th>FPR</th>"
                    + "<th>selection rate</th><th>ECE</th></tr>\n");
            foreach (var g in attribute.Groups)
            {
                html.Append("<tr><td>").Append(Encode(g.Group)).Append("</td><td>").Append(g.Count.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td>").Append(g.Positives.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td>").Append(g.Auroc is { } auroc ? Number(auroc) : "n/a")
                    .Append("</td><td>").Append(Number(g.TruePositiveRate))
                    .Append("</td><td>").Append(Number(g.FalsePositiveRate))
                    .Append("</td><td>").Append(Number(g.SelectionRate))
                    .Append("</td><td>").Append(Number(g.ExpectedCalibrationError)).Append("</td></tr>\n");
            }

            html.Append("</table>\n")
                .Append("<img alt=\"ROC curves by ").Append(Encode(attribute.Attribute)).Append("\" src=\"data:image/png;base64,")
                .Append(RocPlot(audit, attribute)).Append("\">\n")
                .Append("<img alt=\"Calibration by ").Append(Encode(attribute.Attribute)).Append("\" src=\"data:image/png;base64,")
                .Append(CalibrationPlot(attribute)).Append("\">\n</section>\n");
        }

        return html.Append("</body>\n</html>\n").ToString();
    }

    private static string RocPlot(BiasAudit audit, AttributeAudit attribute)
    {
        var plot = new Plot();
        foreach (var group in attribute.Groups)
        {
            if (audit.RocCurveOf(attribute.Attribute, group.Group) is not { } curve)
                continue;
            var line = plot.Add.Scatter(curve.FalsePositiveRates.ToArray(), curve.TruePositiveRates.ToArray());
            line.MarkerSize = 0;
            line.LineWidth = 2;
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{group.Group} (n={group.Count}, AUROC {group.Auroc:F3})");
        }

        AddDiagonal(plot);
        return Png(plot, $"ROC curves by {attribute.Attribute}", "False positive rate", "True positive rate");
    }

    private static string CalibrationPlot(AttributeAudit attribute)
    {
        var plot = new Plot();
        foreach (var group in attribute.Groups)
        {
            var points = plot.Add.Scatter(
                group.Reliability.Select(b => b.MeanPredicted).ToArray(),
                group.Reliability.Select(b => b.FractionPositive).ToArray());
            points.MarkerSize = 7;
            points.LineWidth = 1.5f;
            points.LegendText = string.Create(CultureInfo.InvariantCulture, $"{group.Group} (ECE {group.ExpectedCalibrationError:F3})");
        }

        AddDiagonal(plot);
        return Png(plot, $"Calibration by {attribute.Attribute}", "Mean predicted probability", "Observed fraction positive");
    }

    private static void AddDiagonal(Plot plot)
    {
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.Color = Colors.Gray;
    }

    private static string Png(Plot plot, string title, string xLabel, string yLabel)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.ShowLegend(Alignment.LowerRight);
        return Convert.ToBase64String(plot.GetImageBytes(PlotWidth, PlotHeight, ImageFormat.Png));
    }

    private static string Number(double value) => value.ToString("F3", CultureInfo.InvariantCulture);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
