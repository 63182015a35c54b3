using CareLedger.Analytics.Deployment;

namespace CareLedger.Ai;

/// <summary>How the node's AI is set up. Immutable; tests use <c>with</c>.</summary>
public sealed record AiOptions
{
    public static AiOptions Default { get; } = new();

    /// <summary>
    /// The deployment gate every model must pass (or carry a signed, anchored override for). Null (the default) for the
    /// node's own: the policy set with <c>careledger model gate</c> (anchored on the ledger), else
    /// <see cref="GatePolicy.Default"/> (AUROC ≥ 0.80, equalised odds difference ≤ 0.10). Set here only by tests and benchmarks.
    /// </summary>
    public GatePolicy? Gate { get; init; }

    /// <summary>Where models live; null for DATA/models.</summary>
    public string? ModelsDirectory { get; init; }
}
