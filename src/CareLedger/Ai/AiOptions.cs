using CareLedger.Analytics.Deployment;

namespace CareLedger.Ai;

/// <summary>How the node's AI is set up. Immutable; tests use <c>with</c>.</summary>
public sealed record AiOptions
{
    public static AiOptions Default { get; } = new();

    /// <summary>The deployment gate every model must pass (or carry a signed, anchored override for): AUROC ≥ 0.80 and equalised odds difference ≤ 0.10 by default.</summary>
    public GatePolicy Gate { get; init; } = GatePolicy.Default;

    /// <summary>Where models live; null for DATA/models.</summary>
    public string? ModelsDirectory { get; init; }
}
