using System.Security.Cryptography;
using System.Text;
using CareLedger.Analytics.Fairness;
using CareLedger.Analytics.Inference;
using CareLedger.Analytics.Metrics;
using CareLedger.Analytics.Registry;
using CareLedger.Analytics.Training;

namespace CareLedger.Analytics.Tests.Registry;

internal static class SampleCards
{
    public static readonly DateTimeOffset CreatedAt = new(2026, 11, 25, 9, 30, 0, TimeSpan.Zero);

    public static ModelCard For(ClinicalModel model) => Fixed() with
    {
        Kind = model.Kind,
        ModelSha256 = model.Sha256,
        Features = model.FeatureNames,
    };

    /// <summary>A small card with fixed content, so that its canonical JSON can be frozen.</summary>
    public static ModelCard Fixed()
    {
        var metrics = new ModelMetrics(4, 2, 0.5, 0.75, 0.75, 0.5, 1, 0.125, 0.1875, [new ReliabilityBin(0.1, 0.2, 4, 0.15, 0.5)]);
        var bias = new BiasReport(0.5,
        [
            new AttributeAudit("sex",
            [
                new SubgroupMetrics("female", 2, 1, null, 1, 0, 0.5, 0.25, []),
                new SubgroupMetrics("male", 2, 1, 1, 0.5, 0.5, 0.5, 0.1, []),
            ], 0, 0.5),
        ]);
        return new ModelCard(
            "pima-diabetes-risk",
            "1.0.0",
            ModelKind.LogisticRegression,
            new string('a', 64),
            ["glucose", "mass"],
            "type 2 diabetes within 5 years",
            TrainingDataCommitment.Compute([Record(1, "Consent/1"), Record(2, "Consent/2")]),
            new ValidationSummary(2, 0.75, 0.05, 0.75, 0.5, 1, metrics),
            new IntendedUse("Screening support for adults", "women aged 21 and over", "TREAT", "not validated for pregnancy"),
            bias,
            CreatedAt);
    }

    public static TrainingRecord Record(int seed, string consent) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"record {seed}")), consent);
}
