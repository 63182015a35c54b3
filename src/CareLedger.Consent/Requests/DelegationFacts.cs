namespace CareLedger.Consent.Requests;

/// <summary>The requester acts for the patient; the caller established the relationship and its scope.</summary>
/// <param name="PatientIsMinor">The patient is a minor at the time of the request (so a guardian's view is restricted).</param>
public sealed record DelegationFacts(DelegateKind Kind, DelegationScope Scope, bool PatientIsMinor);
