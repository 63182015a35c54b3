using System.Security.Cryptography;
using CareLedger.Access.Callers;
using CareLedger.Access.Gate;
using CareLedger.Ai.Data;
using CareLedger.Ai.Registry;
using CareLedger.Fhir;
using CareLedger.Ledger.Engine;
using CareLedger.Vault;

namespace CareLedger.Ai.Inference;

/// <summary>
/// Inference (A2–A4): the model is verified and gated; the caller must be a clinician acting for the model's intended
/// purpose (a treatment model answers only a treatment relationship); the patient's feature Observations are read
/// through the access layer (action use), which decides each against the patient's consents and audits the decision
/// in the patient's access log; the prediction is made and explained, and anchored on the ledger (kind
/// <c>inference</c>) with its sealed opening logged, and the prediction (a RiskAssessment or a DiagnosticReport) is stored as
/// a record of the patient — written through the door by the custodian's own AI service, naming the clinician who asked —
/// before anyone sees the answer: the patient then reads it on their timeline like any other record (ADR 0010). Any
/// refusal is audited, and then nothing is predicted, anchored or stored.
/// </summary>
public sealed class InferenceService(FhirService fhir, ModelRegistry registry, LedgerEngine ledger, InferenceLog log, TimeProvider time, string organisation)
{
    /// <summary>The subject the node's AI service writes predictions as (the custodian's own system, audited as such).</summary>
    public const string RecorderSubject = "careledger-ai";

    private readonly FhirCaller recorder = FhirCaller.Custodian(organisation, RecorderSubject);

    /// <summary>Latest Observations per patient read for one prediction (a few per feature is plenty).</summary>
    private const int MaxRecords = 1000;

    /// <exception cref="ModelNotFoundException">No such model.</exception>
    /// <exception cref="Analytics.Registry.ModelIntegrityException">The model's files no longer match the ledger.</exception>
    /// <exception cref="ModelNotDeployableException">Failed the gate, no override.</exception>
    /// <exception cref="InferenceRefusedException">
    /// The caller is not a clinician, the purpose is not the model's, or consent withheld the inputs (audited each time).
    /// </exception>
    /// <exception cref="KeyNotFoundException">No such patient.</exception>
    /// <exception cref="ModelInputsException">The patient has none of what the model reads (or, for an ONNX model, not all of it).</exception>
    /// <param name="baseUrl">The node's public base (scheme, host, path base), for the card and receipt links of the stored record.</param>
    public async Task<InferenceResult> PredictAsync(FhirCaller caller, string modelReference, string patientId, string baseUrl, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentException.ThrowIfNullOrWhiteSpace(patientId);
        var model = registry.OpenForServing(modelReference);
        var set = SetOf(model);
        var id = Guid.CreateVersion7(time.GetUtcNow());
        // The access log names the inference, so that the patient's "who used my data" leads to its anchor.
        var detail = $"AI inference {id:D} by model {model.Id}";
        if (fhir.Repository.Head("Patient", patientId) is not { Deleted: false })
        {
            throw new KeyNotFoundException($"Patient/{patientId} does not exist");
        }

        if (RefusalBeforeReading(caller, model) is { } reason)
        {
            var audit = fhir.Repository.Gate.AuditRefusal(caller.Who, caller.Context, AccessAction.Use, patientId, [reason], detail);
            throw new InferenceRefusedException($"{reason} (the refusal is in the patient's access log)", audit, byConsent: false);
        }

        fhir.Repository.RequireScope(caller, AccessAction.Use, "Observation", detail);
        var heads = fhir.FindMatches("Observation",
            [new("subject", $"Patient/{patientId}"), new("code", string.Join(",", set.Features.Select(f => f.Code.Token)))], MaxRecords);
        if (heads.Count == 0)
        {
            throw new ModelInputsException($"Patient/{patientId} has none of the observations model {model.Id} reads ({string.Join(", ", set.FeatureNames)})");
        }

        var disclosure = fhir.Repository.ReadMany(caller, AccessAction.Use, [.. heads.Select(h => new RecordAddress("Observation", h.Id, 0))], detail);
        try
        {
            // One patient, so one decision of the door: the one the patient's access log shows for this inference.
            var auditId = disclosure.AuditIds.Count > 0 ? disclosure.AuditIds[0] : Guid.Empty;
            if (disclosure.Withheld > 0)
            {
                throw new InferenceRefusedException(
                    $"the access layer withheld {disclosure.Withheld} of the {heads.Count} records model {model.Id} needs for Patient/{patientId}: " +
                    $"no treatment relationship or consent permits their use by this caller (the refusal is in the patient's access log)", auditId, byConsent: true);
            }

            var inputs = Features(set, disclosure.Records);
            var missing = set.FeatureNames.Where((_, i) => float.IsNaN(inputs.Values[i])).ToList();
            if (missing.Count == inputs.Values.Length)
            {
                throw new ModelInputsException($"Patient/{patientId} has none of the observations model {model.Id} reads ({string.Join(", ", set.FeatureNames)})");
            }

            if (model.NeedsEveryFeature && missing.Count > 0)
            {
                throw new ModelInputsException($"model {model.Id} is an ONNX model and cannot impute; Patient/{patientId} has no {string.Join(", ", missing)}");
            }

            var output = model.Predict(inputs.Values);
            var salt = InferenceCommitment.NewSalt();
            var opening = new InferenceOpening(id, model.Id, model.Card.ModelSha256, salt, [.. inputs.Values.Select(f => float.IsNaN(f) ? (float?)null : f)],
                output.Probability, [.. inputs.Basis.Select(a => $"{a.ResourceType}/{a.Id}/_history/{a.Version}")]);
            var anchor = await LedgerAnchors.SubmitAsync(ledger, LedgerAnchors.Inference, opening.Digest(), model.Id, time, ct);
            var now = time.GetUtcNow();
            log.Record(anchor.Id.ToString(), anchor.LeafIndex, now, fhir.Repository.Gate.PseudonymOf(patientId), opening);
            var result = new InferenceResult(id, model.Model, set, patientId, now, output, missing, inputs.Basis, inputs.LatestEffective,
                anchor.Id.ToString(), anchor.LeafIndex, auditId);
            // The prediction becomes a record of the patient, under the inference's id: the patient sees it on their
            // timeline through the door, an export carries it, an erasure shreds it.
            var resource = PredictionResources.From(result, baseUrl, caller.Who);
            var stored = await fhir.UpdateAsync(recorder, resource.TypeName, result.Id.ToString("D"), resource, null, ct);
            return result with { Record = (Hl7.Fhir.Model.DomainResource)(stored.Resource ?? resource) };
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
        FeatureSets.Of(model.Card)
        ?? throw new InvalidOperationException($"model {model.Id} reads features ({string.Join(", ", model.Card.Features)}) that no feature set of this node maps to Observations");

    /// <summary>
    /// What is refused before any record is read. A treatment model informs a clinician's decision about a patient: only
    /// a clinician can hold the treatment relationship the patient's consent names (a system token has none, and the door
    /// would let the custodian's systems read without consent). Then the purpose must be the model's.
    /// </summary>
    private static string? RefusalBeforeReading(FhirCaller caller, ServableModel model)
    {
        var intended = model.Card.IntendedUse.PurposeOfUse;
        var purpose = caller.Context.Purpose ?? PurposeDefaults.For(caller.Who.Role, caller.Context.BreakGlass is not null);
        if (intended is PurposeDefaults.Treatment && caller.Who.Role != CareLedgerRole.Clinician)
        {
            return $"model {model.Id} is intended for treatment, and predictions are made only for a clinician treating the patient; a {caller.Who.Role.ToName()} has no treatment relationship";
        }

        var permitted = string.Equals(purpose, intended, StringComparison.Ordinal)
            || (purpose == PurposeDefaults.EmergencyTreatment && intended == PurposeDefaults.Treatment && caller.Context.BreakGlass is not null);
        return permitted ? null : $"model {model.Id} is intended for purpose {intended}; this request is for {purpose}";
    }

    /// <summary>Per feature the most recent usable value (by effective date, then by when it was stored).</summary>
    private static ModelInputs Features(FeatureSet set, IReadOnlyList<DisclosedRecord> records)
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
                    if (!float.IsFinite((float)number))
                    {
                        throw new ModelInputsException($"{record.Address.ResourceType}/{record.Address.Id} holds a {set.Features[index].Name} the model cannot take (out of range)");
                    }

                    features[index] = (float)number;
                    chosen[index] = (record, when);
                }
            }
        }

        var used = chosen.Where(c => c is not null).Select(c => c!.Value).ToList();
        return new ModelInputs(features, [.. used.Select(c => c.Record.Address).Distinct()], used.Count > 0 ? used.Max(c => c.When) : null);
    }

    private sealed record ModelInputs(float[] Values, IReadOnlyList<RecordAddress> Basis, DateTimeOffset? LatestEffective);
}
