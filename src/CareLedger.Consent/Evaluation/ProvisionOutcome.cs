namespace CareLedger.Consent.Evaluation;

/// <summary>The provision that decides for one consent (or across consents), with what ranks it.</summary>
internal readonly record struct ProvisionOutcome(int Provision, int Specificity, bool IsDeny)
{
    public static ProvisionOutcome None { get; } = new(-1, -1, false);

    public bool Exists => Provision >= 0;

    /// <summary>More specific wins; at equal specificity a deny wins; otherwise the earlier one stays.</summary>
    public bool Beats(ProvisionOutcome other) =>
        !other.Exists
        || Specificity > other.Specificity
        || (Specificity == other.Specificity && IsDeny && !other.IsDeny);
}
