using CareLedger.Ai.Data;
using CareLedger.Ai.Registry;
using CareLedger.Vault;

namespace CareLedger.Ai.Inference;

/// <summary>
/// One accountable prediction: which model (id, file hash, card), for which patient, from which record versions, what it
/// said and why, and the ledger transaction that anchors it (its receipt is at <c>/ledger/receipts/{Transaction}</c>).
/// <see cref="PredictionResources.From"/> turns it into the FHIR answer (a RiskAssessment or a DiagnosticReport).
/// </summary>
/// <param name="Set">What the model reads and whether it predicts (RiskAssessment) or diagnoses (DiagnosticReport).</param>
/// <param name="Missing">Features the patient has no value for (imputed with the training mean by ML.NET models).</param>
/// <param name="InputsEffective">The latest effective time of the Observations read (the clinically relevant time).</param>
/// <param name="AuditId">The access layer's decision that released the inputs (the patient's access log shows it).</param>
public sealed record InferenceResult(
    Guid Id,
    RegisteredModel Model,
    FeatureSet Set,
    string PatientId,
    DateTimeOffset Time,
    ModelOutput Output,
    IReadOnlyList<string> Missing,
    IReadOnlyList<RecordAddress> Basis,
    DateTimeOffset? InputsEffective,
    string Transaction,
    long LeafIndex,
    Guid AuditId)
{
    /// <summary>The prediction as the patient's record stores it (a RiskAssessment or a DiagnosticReport, its version in meta).</summary>
    public Hl7.Fhir.Model.DomainResource? Record { get; init; }

    /// <summary>The risk band against the model's decision threshold t: high ≥ t, moderate ≥ t/2, else low.</summary>
    public string Band => PredictionResources.Band(Output.Probability, Model.Card.Metrics.OutOfFold.Threshold);
}
