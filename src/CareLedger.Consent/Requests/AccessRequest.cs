using CareLedger.Consent.Model;

namespace CareLedger.Consent.Requests;

/// <summary>
/// One action on one resource of one patient, with every fact the decision needs. The engine trusts these facts:
/// the caller establishes them (authentication, credential checks, care-team membership, delegation records).
/// </summary>
/// <param name="Action">A <c>consentaction</c> code: access (read/search), collect (create), correct (update), use (AI, analytics), disclose (export, release to another member).</param>
/// <param name="Purpose">The purpose of use (v3 ActReason).</param>
/// <param name="Time">The instant of the request; periods are tested against it.</param>
public sealed record AccessRequest(
    PatientId Patient,
    Requester Requester,
    Coding Action,
    Coding Purpose,
    RequestedResource Resource,
    DateTimeOffset Time)
{
    /// <summary>Present when a clinician asks for emergency access (break-glass).</summary>
    public BreakGlassFacts? BreakGlass { get; init; }

    /// <summary>Present when the requester acts for the patient (guardian, caregiver).</summary>
    public DelegationFacts? Delegation { get; init; }
}
