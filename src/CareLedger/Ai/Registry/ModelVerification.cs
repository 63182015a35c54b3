using CareLedger.Analytics.Deployment;

namespace CareLedger.Ai.Registry;

/// <summary>
/// The result of holding a registered model to the ledger: its file still hashes to the card, the card's digest is the
/// anchor at the recorded leaf, and any override is signed and anchored. Intact and deployable → it may serve.
/// </summary>
public sealed record ModelVerification(string Id, IReadOnlyList<string> Problems, GateDecision Gate)
{
    public bool Intact => Problems.Count == 0;

    public bool Deployable => Intact && Gate.Deployable;
}
