using CareLedger.Ai.Registry;
using CareLedger.Vault;

namespace CareLedger.Ai.Inference;

/// <summary>
/// One accountable prediction: which model (id, file hash, card), for which patient, from which record versions, what it
/// said and why, and the ledger transaction that anchors it (its receipt is at <c>/ledger/receipts/{Transaction}</c>).
/// </summary>
/// <param name="Missing">Features the patient has no value for (imputed with the training mean by ML.NET models).</param>
/// <param name="AuditId">The access layer's decision that released the inputs (the patient's access log shows it).</param>
public sealed record InferenceResult(
    Guid Id,
    RegisteredModel Model,
    string PatientId,
    DateTimeOffset Time,
    ModelOutput Output,
    IReadOnlyList<string> Missing,
    IReadOnlyList<RecordAddress> Basis,
    string Transaction,
    long LeafIndex,
    Guid AuditId);
