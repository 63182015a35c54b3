using CareLedger.Consent.Requests;

namespace CareLedger.Access.Delegation;

/// <summary>A delegate (guardian, caregiver) may act for a patient within <see cref="Scope"/> (period, actions, classes).</summary>
/// <param name="DelegateReference">The delegate's FHIR reference, e.g. <c>RelatedPerson/7</c>.</param>
/// <param name="Patient">The patient's vault pseudonym.</param>
public sealed record DelegationGrant(
    Guid Id,
    string DelegateReference,
    byte[] Patient,
    DelegateKind Kind,
    DelegationScope Scope,
    DelegationSource Source,
    DateTimeOffset RecordedAt)
{
    /// <summary>When the delegation was revoked; null while it stands.</summary>
    public DateTimeOffset? RevokedAt { get; init; }
}
