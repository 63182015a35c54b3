namespace CareLedger.Consent.Model;

/// <summary>
/// A FHIR R4 <c>Consent</c> as the engine needs it. The node converts Consent resources into this model at its edge.
/// </summary>
/// <param name="Scope"><c>Consent.scope</c>: a <c>consentscope</c> code (patient-privacy, research, treatment, adr).</param>
/// <param name="Provision">The base <c>Consent.provision</c>; required, because it is what decides.</param>
public sealed record ConsentDirective(
    ConsentId Id,
    PatientId Patient,
    ConsentStatus Status,
    Coding Scope,
    ProvisionNode Provision)
{
    /// <summary><c>Consent.dateTime</c>: when the consent was agreed; informative, it does not order consents.</summary>
    public DateTimeOffset? DateTime { get; init; }

    /// <summary><c>Consent.policyRule</c>, e.g. <c>v3-ActCode|OPTIN</c>; informative, the provisions decide.</summary>
    public Coding? PolicyRule { get; init; }
}
