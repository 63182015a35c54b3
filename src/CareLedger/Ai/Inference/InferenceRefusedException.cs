namespace CareLedger.Ai.Inference;

/// <summary>
/// No prediction: the caller cannot have the treatment relationship the model serves, the purpose is not the model's,
/// or the access layer withheld records the prediction needs. The refusal is in the patient's access log
/// (<see cref="AuditId"/>); nothing was predicted or anchored.
/// </summary>
/// <param name="byConsent">True when the access layer withheld the inputs (no consent or treatment relationship permits the use).</param>
public sealed class InferenceRefusedException(string message, Guid auditId, bool byConsent) : Exception(message)
{
    public Guid AuditId { get; } = auditId;

    public bool ByConsent { get; } = byConsent;
}
