namespace CareLedger.Analytics.Deployment;

/// <summary>The gate's verdict. Deployable when every check passed, or when a failed gate carries an override.</summary>
public sealed record GateDecision(bool Passed, IReadOnlyList<GateCheck> Checks, GateOverride? Override = null)
{
    public bool Deployable => Passed || Override is not null;

    /// <summary>Why the gate failed: the details of the failed checks.</summary>
    public IReadOnlyList<string> Reasons => Checks.Where(c => !c.Passed).Select(c => c.Detail).ToArray();

    public GateDecision WithOverride(GateOverride gateOverride)
    {
        ArgumentNullException.ThrowIfNull(gateOverride);
        if (Passed)
            throw new InvalidOperationException("The gate passed; there is nothing to override.");
        if (Override is not null)
            throw new InvalidOperationException("This decision has already been overridden.");
        ArgumentException.ThrowIfNullOrWhiteSpace(gateOverride.Actor, nameof(gateOverride));
        ArgumentException.ThrowIfNullOrWhiteSpace(gateOverride.Reason, nameof(gateOverride));
        if (gateOverride.Signature is not { Length: > 0 })
            throw new ArgumentException("An override must carry the actor's signature.", nameof(gateOverride));
        return this with { Override = gateOverride };
    }
}
