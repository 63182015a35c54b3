using CareLedger.Consent.Decisions;
using CareLedger.Consent.Model;
using CareLedger.Consent.Profiles;
using CareLedger.Consent.Requests;

namespace CareLedger.Consent.Tests.Tables;

/// <summary>One row of the decision table: consents × request → expected effect and the reason that decides.</summary>
public sealed record DecisionCase(
    string Name,
    ConsentDirective[] Consents,
    AccessRequest Request,
    DecisionEffect Effect,
    ReasonCode Deciding)
{
    public JurisdictionProfile Profile { get; init; } = JurisdictionProfile.OptIn;

    /// <summary>When set, the deciding reason must name this consent.</summary>
    public string? DecidingConsent { get; init; }

    /// <summary>When set, the deciding reason must name this provision path.</summary>
    public string? DecidingPath { get; init; }

    /// <summary>Reasons that must also be present.</summary>
    public ReasonCode[] AlsoReasons { get; init; } = [];

    /// <summary>The exact obligations, in order.</summary>
    public ObligationCode[] Obligations { get; init; } = [];

    public override string ToString() => Name;
}
