namespace CareLedger.Ai.Inference;

/// <summary>
/// The patient's record cannot be scored: it lacks what the model reads (none of its features, or — for a model that
/// cannot impute — some), or holds a value the model cannot take. Not a refusal: what was read was permitted and
/// audited; nothing was predicted or anchored.
/// </summary>
public sealed class ModelInputsException(string message) : ArgumentException(message);
