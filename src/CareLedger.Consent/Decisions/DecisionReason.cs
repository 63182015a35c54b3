using CareLedger.Consent.Model;

namespace CareLedger.Consent.Decisions;

/// <summary>One step of a decision's explanation: a code for machines and a sentence for people.</summary>
/// <remarks>Messages name consents, provision paths, codes and times, never the patient or the requester.</remarks>
public sealed record DecisionReason(ReasonCode Code, string Message)
{
    /// <summary>The consent the reason is about, if any.</summary>
    public ConsentId? Consent { get; init; }

    /// <summary>The FHIR path of the provision the reason is about, e.g. <c>provision.provision[1]</c>.</summary>
    public string? ProvisionPath { get; init; }

    /// <summary>The dimensions that matched (for a deciding provision) or failed (for a non-match or a scope violation).</summary>
    public ProvisionDimensions Dimensions { get; init; }

    public override string ToString() => Message;
}
