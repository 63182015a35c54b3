namespace CareLedger.Ai.Registry;

/// <summary>The model is intact but failed the deployment gate, and no signed override covering the failures is recorded.</summary>
public sealed class ModelNotDeployableException(string modelId, IReadOnlyList<string> reasons)
    : Exception($"model {modelId} is not deployable: {string.Join("; ", reasons)}; only a signed gate override recorded on the ledger can deploy it ('careledger model override')")
{
    public string ModelId { get; } = modelId;

    public IReadOnlyList<string> Reasons { get; } = reasons;
}
