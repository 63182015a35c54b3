namespace CareLedger.Ai.Inference;

/// <summary>The access layer withheld records a prediction needs (no treatment relationship or consent); the refusal was audited.</summary>
public sealed class InferenceRefusedException(string message) : Exception(message);
