using CareLedger.Ai.Data;
using CareLedger.Ai.Registry;
using CareLedger.Analytics.Deployment;
using CareLedger.Analytics.Fairness;
using CareLedger.Analytics.Metrics;
using CareLedger.Analytics.Onnx;
using CareLedger.Analytics.Registry;
using CareLedger.Analytics.Training;
using CareLedger.Analytics.Validation;
using CareLedger.Fhir;

namespace CareLedger.Ai.Training;

/// <summary>
/// Training (A1, A2, A5) on consented data only: the cohort is read through the access layer by a research caller,
/// cross-validated on stratified folds, audited for bias by sex, age band and (where recorded) ethnicity, trained on all included rows, and
/// registered with a card that commits to exactly the records used (by ledger commitment, with the decision that
/// released each) and counts the patients left out.
/// </summary>
internal sealed class ModelTraining(CohortReader cohorts, ModelRegistry registry, TimeProvider time)
{
    public async Task<TrainingResult> TrainAsync(FhirCaller researcher, TrainingRequest request, CancellationToken ct)
    {
        registry.EnsureUnregistered(request.Name, request.Version);
        var options = (request.Kind switch
        {
            ModelKind.LogisticRegression => TrainingOptions.LogisticRegression,
            ModelKind.FastTree => TrainingOptions.FastTree,
            _ => throw new ArgumentException($"{request.Kind} models are brought (register them), not trained here", nameof(request)),
        }) with { Seed = unchecked((int)request.Seed) };

        var cohort = cohorts.Read(researcher, request.Set, requireAllFeatures: false, ct);
        var table = cohort.Table();
        var labels = table.Labels();
        int[] folds;
        try
        {
            folds = StratifiedFolds.Assign(labels, request.Folds, request.Seed);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{Describe(cohort)}: too few to train — {e.Message}", e);
        }

        var validation = CrossValidator.Run(table, folds, options);
        var audit = BiasAudit.Run(table.Rows, validation.OutOfFoldProbabilities, cohort.Attributes);
        using var model = ModelTrainer.Train(table, options);
        var records = cohort.Records();
        var card = new ModelCard(
            request.Name,
            request.Version,
            request.Kind,
            model.Sha256,
            request.Set.FeatureNames,
            request.Set.Outcome.Display,
            TrainingDataCommitment.Compute(records),
            validation.Summary,
            request.Set.IntendedUse,
            audit.Report,
            time.GetUtcNow()) { Cohort = cohort.Summary };
        var registered = await registry.RegisterAsync(card, model.ToBytes(), records, audit.ToHtml($"Bias audit of {ModelRegistry.IdOf(card.Name, card.Version)}"), ct);
        return new TrainingResult(registered, DeploymentGate.Evaluate(registry.Policy, card));
    }

    /// <summary>
    /// Registers an ONNX model an institution brings (A3): it is validated on this member's consented cohort (read as for
    /// training), so its card carries hold-out metrics, a bias report and the commitment to the records it was checked on.
    /// Rows with a missing feature cannot be scored by it and count as incomplete.
    /// </summary>
    public async Task<TrainingResult> RegisterOnnxAsync(FhirCaller researcher, FeatureSet set, byte[] onnxFile, string name, string version, CancellationToken ct)
    {
        registry.EnsureUnregistered(name, version);
        // The very bytes that get registered are inspected and validated here.
        using var model = OnnxModel.Load(onnxFile);
        var shape = model.InputShape;
        if (shape.Count != 2 || shape[0] is not (-1 or 1) || shape[1] != set.Features.Count)
        {
            throw new ArgumentException(
                $"the ONNX model's input is [{string.Join(", ", shape)}]; a {set.Id} risk model takes [N, {set.Features.Count}] ({string.Join(", ", set.FeatureNames)})", nameof(onnxFile));
        }

        var cohort = cohorts.Read(researcher, set, requireAllFeatures: true, ct);
        var probabilities = cohort.Rows.Select(r => (double)Probability(model, r.Row.Features)).ToArray();
        var labels = cohort.Rows.Select(r => r.Row.Label).ToArray();
        ModelMetrics metrics;
        try
        {
            metrics = ModelMetrics.Compute(probabilities, labels);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{Describe(cohort)}: cannot validate the model — {e.Message}", e);
        }

        var audit = BiasAudit.Run([.. cohort.Rows.Select(r => r.Row)], probabilities, cohort.Attributes);
        var card = new ModelCard(name, version, ModelKind.Onnx, model.Sha256, set.FeatureNames, set.Outcome.Display,
            TrainingDataCommitment.Compute(cohort.Records()), ValidationSummary.FromHoldOut(metrics), set.IntendedUse, audit.Report, time.GetUtcNow())
        {
            Cohort = cohort.Summary,
        };
        var registered = await registry.RegisterAsync(card, onnxFile, cohort.Records(), audit.ToHtml($"Bias audit of {ModelRegistry.IdOf(name, version)}"), ct);
        return new TrainingResult(registered, DeploymentGate.Evaluate(registry.Policy, card));
    }

    private static float Probability(OnnxModel model, float[] features)
    {
        var output = model.Run(features, 1, features.Length).Values;
        return output.Length switch
        {
            1 => output[0],
            2 => output[1],
            _ => throw new ArgumentException($"the ONNX model returns {output.Length} values per patient; a risk model returns [p] or [1 - p, p]"),
        };
    }

    private static string Describe(ConsentedCohort cohort) =>
        $"{cohort.Summary.Included} of {cohort.Summary.Candidates} patients with {cohort.Set.Id} data could be used " +
        $"({cohort.Summary.ExcludedWithoutConsent} without consent for {cohort.Summary.PurposeOfUse}, {cohort.Summary.ExcludedIncomplete} incomplete)";
}
