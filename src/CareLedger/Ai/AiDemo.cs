using System.Diagnostics;
using CareLedger.Ai.Data;
using CareLedger.Ai.Registry;
using CareLedger.Ai.Training;
using CareLedger.Analytics.Deployment;
using CareLedger.Analytics.Training;
using CareLedger.Fhir;

namespace CareLedger.Ai;

/// <summary>
/// The AI part of <c>careledger demo</c>: the WDBC and Pima rows as FHIR Observations of demo patients with their
/// consents (treatment consents naming the demo clinician), one logistic model per data set trained on the consenting
/// patients and registered on the ledger — Pima a predictive model (RiskAssessment), WDBC a diagnostic one
/// (DiagnosticReport) — and, where a model fails the deployment gate, a signed override recorded on the ledger, so that
/// the demo predicts and its CDS Hooks services answer. Idempotent: a second run finds everything and writes nothing.
/// </summary>
internal static class AiDemo
{
    public const string Version = "1.0.0";

    /// <summary>The demo's override: the gate's refusal stands on the record, and so does who overrode it and why.</summary>
    public const string OverrideReason =
        "demo node on public reference data with synthetic demographics: deployed for demonstration despite the gate; see the bias report";

    public static string ModelName(FeatureSet set) => $"{set.Id}-logistic-regression";

    /// <param name="treatingPractitioner">The practitioner (<c>Practitioner/{id}</c>) the treatment consents name.</param>
    /// <param name="rows">Rows per data set (all when null); fewer rows make a faster, weaker demo.</param>
    public static async Task<AiDemoReport> PrepareAsync(AiServices ai, FhirCaller custodian, FhirCaller researcher, string treatingPractitioner, int? rows,
        IProgress<string>? progress, CancellationToken ct)
    {
        var report = new AiDemoReport();
        var loader = new DemoCohortLoader(ai.Node.Fhir, custodian);
        foreach (var set in FeatureSets.All)
        {
            var clock = Stopwatch.StartNew();
            progress?.Report($"loading the {set.Id} demo patients");
            var table = DemoCohortLoader.ReadReference(set, DemoCohortLoader.ShippedDataDirectory);
            var loaded = await loader.LoadAsync(set, table, rows, treatingPractitioner, null, ct);
            report.Loads.Add((loaded, clock.Elapsed));
        }

        foreach (var set in FeatureSets.All)
        {
            var name = ModelName(set);
            RegisteredModel model;
            var clock = Stopwatch.StartNew();
            if (ai.Registry.Ids().Any(id => id.StartsWith(name + "@", StringComparison.Ordinal)))
            {
                model = ai.Registry.Get(name);
            }
            else
            {
                progress?.Report($"training {name} on the consenting {set.Id} patients (10-fold cross-validation)");
                var trained = await ai.Training.TrainAsync(researcher, new TrainingRequest(set, ModelKind.LogisticRegression, name, Version), ct);
                model = trained.Model;
                report.Trained.Add((model.Id, clock.Elapsed));
            }

            var verification = ai.Registry.Verify(model.Id);
            if (verification.Intact && !verification.Deployable && model.Registration.Override is null)
            {
                progress?.Report($"recording a signed gate override for {model.Id}");
                await ai.Registry.OverrideAsync(model.Id, OverrideReason, ai.Node.Ledger.Keys.Organisation, ct);
                report.Overridden.Add(model.Id);
                verification = ai.Registry.Verify(model.Id);
            }

            report.Models.Add((ai.Registry.Get(model.Id), verification.Gate));
        }

        return report;
    }
}

/// <summary>What the demo's AI setup found or did, with its cost.</summary>
internal sealed class AiDemoReport
{
    public List<(DemoLoadReport Load, TimeSpan Took)> Loads { get; } = [];

    public List<(string Model, TimeSpan Took)> Trained { get; } = [];

    public List<string> Overridden { get; } = [];

    public List<(RegisteredModel Model, GateDecision Gate)> Models { get; } = [];
}
