using CareLedger.Ai.Registry;
using CareLedger.Analytics.Deployment;

namespace CareLedger.Ai.Training;

/// <summary>A registered model and its gate decision (a failed gate is registered too, and deployable only by an override).</summary>
public sealed record TrainingResult(RegisteredModel Model, GateDecision Gate);
