using CareLedger.Consent.Model;

namespace CareLedger.Consent.Decisions;

/// <summary>A duty that comes with a permit; the caller must fulfil it or not act.</summary>
public sealed record Obligation(ObligationCode Code, string Message)
{
    /// <summary>For <see cref="ObligationCode.WithholdLabels"/>: the labels to withhold.</summary>
    public IReadOnlyList<Coding> Labels { get; init; } = [];

    /// <summary>For <see cref="ObligationCode.EndAccessAt"/>: when the access ends.</summary>
    public DateTimeOffset? Until { get; init; }

    public override string ToString() => Message;
}
