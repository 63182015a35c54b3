using System.Security.Cryptography;
using CareLedger.Access.Gate;
using CareLedger.Ai.Data;
using CareLedger.Ai.Registry;
using CareLedger.Fhir;
using CareLedger.Ledger.Engine;
using CareLedger.Vault;

namespace CareLedger.Ai.Inference;

/// <summary>
/// Inference (A2–A4): the model is verified and gated, the patient's feature Observations are read through the access
/// layer for the model's intended purpose (action use), the prediction is made and explained, and the prediction is
/// anchored on the ledger (kind <c>inference</c>) with its sealed opening logged, before anyone sees the answer.
/// Refused by the door (any needed record withheld) means no prediction.
/// </summary>
public sealed class InferenceService(FhirService fhir, ModelRegistry registry, LedgerEngine ledger, InferenceLog log, TimeProvider time)
{
    /// <summary>Latest Observations per patient read for one prediction (a few per feature is plenty).</summary>
    private const int MaxRecords = 1000;

    /// <exception cref="ModelNotFoundException">No such model.</exception>
    /// <exception cref="Analytics.Registry.ModelIntegrityException">The model's files no longer match the ledger.</exception>
    /// <exception cref="ModelNotDeployableException">Failed the gate, no override.</exception>
    /// <exception cref="InferenceRefusedException">The caller's purpose is not the model's, or consent withheld the inputs (audited).</exception>
    /// <exception cref="KeyNotFoundException">No such patient.</exception>
    /// <exception cref="ArgumentException">The patient lacks what the model needs.</exception>
    public async Task<InferenceResult> PredictAsync(FhirCaller caller, string modelReference, string patientId, CancellationToken ct)
    {
        var model = registry.OpenForServing(modelReference);
        var purpose = caller.Context.Purpose ?? PurposeDefaults.For(caller.Who.Role, caller.Context.BreakGlass is not null);
        var intended = model.Card.IntendedUse.PurposeOfUse;
        if (!string.Equals(purpose, intended, StringComparison.Ordinal) && !(purpose == PurposeDefaults.EmergencyTreatment && intended == PurposeDefaults.Treatment))
        {
            throw new InferenceRefusedException($"model {model.Id} is intended for purpose {intended}; this request is for {purpose}");
        }

        if (fhir.Repository.Head("Patient", patientId) is not { Deleted: false })
        {
            throw new KeyNotFoundException($"Patient/{patientId} does not exist");
        }

        var set = SetOf(model);
        var detail = $"AI inference {model.Id}";
        fhir.Repository.RequireScope(caller, AccessAction.Use, "Observation", detail);
        var heads = fhir.FindMatches("Observation",
            [new("subject", $"Patient/{patientId}"), new("code", string.Join(",", set.Features.Select(f => f.Code.Token)))], MaxRecords);
        var disclosure = fhir.Repository.ReadMany(caller, AccessAction.Use, [.. heads.Select(h => new RecordAddress("Observation", h.Id, 0))], detail);
        try
        {
            if (disclosure.Withheld > 0)
            {
                throw new InferenceRefusedException(
                    $"the access layer withheld {disclosure.Withheld} of the {heads.Count} records model {model.Id} needs for Patient/{patientId}: " +
                    $"no treatment relationship or consent permits their use for {purpose} by this caller (the refusal is in the patient's access log)");
            }

            var (features, basis) = Features(set, disclosure.Records);
            var missing = set.FeatureNames.Where((_, i) => float.IsNaN(features[i])).ToList();
            if (missing.Count == features.Length)
            {
                throw new ArgumentException($"Patient/{patientId} has none of the observations model {model.Id} reads ({string.Join(", ", set.FeatureNames)})");
            }

            var output = model.Predict(features);
            var id = Guid.CreateVersion7(time.GetUtcNow());
            var salt = InferenceCommitment.NewSalt();
            var opening = new InferenceOpening(id, model.Id, model.Card.ModelSha256, salt, [.. features.Select(f => float.IsNaN(f) ? (float?)null : f)],
                output.Probability, [.. basis.Select(a => $"{a.ResourceType}/{a.Id}/_history/{a.Version}")]);
            var anchor = await LedgerAnchors.SubmitAsync(ledger, LedgerAnchors.Inference, opening.Digest(), model.Id, time, ct);
            var now = time.GetUtcNow();
            log.Record(anchor.Id.ToString(), anchor.LeafIndex, now, fhir.Repository.Gate.PseudonymOf(patientId), opening);
            return new InferenceResult(id, model.Model, patientId, now, output, missing, basis, anchor.Id.ToString(), anchor.LeafIndex,
                disclosure.Records.Count > 0 ? disclosure.Records[0].AuditId : Guid.Empty);
        }
        finally
        {
            foreach (var record in disclosure.Records)
            {
                CryptographicOperations.ZeroMemory(record.Json);
            }
        }
    }

    /// <summary>The feature set a model reads: the one whose feature names are the card's, in order.</summary>
    internal static FeatureSet SetOf(ServableModel model) =>
        FeatureSets.All.FirstOrDefault(s => s.FeatureNames.SequenceEqual(model.Card.Features, StringComparer.Ordinal))
        ?? throw new InvalidOperationException($"model {model.Id} reads features ({string.Join(", ", model.Card.Features)}) that no feature set of this node maps to Observations");

    /// <summary>Per feature the most recent usable value (by effective date, then by when it was stored).</summary>
    private static (float[] Features, List<RecordAddress> Basis) Features(FeatureSet set, IReadOnlyList<DisclosedRecord> records)
    {
        var features = new float[set.Features.Count];
        Array.Fill(features, float.NaN);
        var chosen = new (DisclosedRecord Record, DateTimeOffset When)?[set.Features.Count];
        foreach (var record in records)
        {
            var facts = RecordFacts.Observation(record.Json);
            if (!facts.Usable || facts.Number is not { } number)
            {
                continue;
            }

            var when = facts.Effective ?? record.LastUpdated;
            foreach (var (system, code) in facts.Codes)
            {
                var index = set.IndexOf(system, code);
                if (index >= 0 && (chosen[index] is null || when > chosen[index]!.Value.When))
                {
                    features[index] = (float)number;
                    chosen[index] = (record, when);
                }
            }
        }

        return (features, [.. chosen.Where(c => c is not null).Select(c => c!.Value.Record.Address).Distinct()]);
    }
}
