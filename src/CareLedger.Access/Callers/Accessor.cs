using CareLedger.Access.Gate;

namespace CareLedger.Access.Callers;

/// <summary>
/// Who asks the door, as authentication established it (never from anything the caller could set otherwise).
/// Holds no personal data: <see cref="Subject"/> is an opaque account or client id.
/// </summary>
/// <param name="Subject">The account id of a person, or the client id of a system.</param>
/// <param name="Reference">The FHIR resource the caller is (<c>Patient/1</c>, <c>Practitioner/2</c>, <c>RelatedPerson/3</c>); null for roles without one.</param>
/// <param name="Organisation">The member organisation the caller belongs to (the organisation of the node that issued the token).</param>
/// <param name="PatientId">
/// For a patient: the patient they are. For a guardian or caregiver: the patient they act for. For others: the patient in
/// launch context, if any.
/// </param>
/// <param name="Scopes">What the caller's token allows, before consent.</param>
public sealed record Accessor(
    string Subject,
    CareLedgerRole Role,
    string? Reference,
    string? Organisation,
    string? PatientId,
    IScopeCheck Scopes)
{
    /// <summary>The subject recorded for a request the node could not authenticate.</summary>
    public const string AnonymousSubject = "unauthenticated";

    /// <summary>Whoever sent a request without a usable token: no identity, no scopes. Only ever refused.</summary>
    public static Accessor Anonymous { get; } = new(AnonymousSubject, CareLedgerRole.Anonymous, null, null, null, NoScopes.Instance);

    public string? ClientId { get; init; }

    /// <summary>
    /// A practitioner credential (VC-JWT) the caller presented, for a clinician of another member acting through that
    /// member's node (F3): the door verifies it against the ledger instead of looking for one this node issued.
    /// </summary>
    public string? PresentedCredential { get; init; }

    private sealed class NoScopes : IScopeCheck
    {
        public static readonly NoScopes Instance = new();

        public bool Permits(string resourceType, AccessAction action) => false;

        public string RequiredScope(string resourceType, AccessAction action) => $"a valid access token (then a scope for {resourceType})";
    }
}
