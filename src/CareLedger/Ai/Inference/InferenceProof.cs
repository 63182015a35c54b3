namespace CareLedger.Ai.Inference;

/// <summary>An inference opened and held to its ledger anchor: <see cref="Problem"/> is null when the anchor matches.</summary>
public sealed record InferenceProof(string Transaction, long LeafIndex, InferenceOpening Opening, string? Problem)
{
    public bool Matches => Problem is null;
}
