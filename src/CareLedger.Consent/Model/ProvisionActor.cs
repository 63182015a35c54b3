namespace CareLedger.Consent.Model;

/// <summary>
/// FHIR R4 <c>Consent.provision.actor</c>: who a provision controls. Either part may be left out; the actor then
/// matches on the part that is given (a role alone matches anyone holding the role).
/// </summary>
/// <param name="Role">A role the requester must hold, for example a practitioner role or <c>v3-RoleCode|GUARD</c>.</param>
/// <param name="Reference">
/// A FHIR reference (<c>Practitioner/1</c>, <c>Organization/2</c>, <c>CareTeam/3</c>, <c>RelatedPerson/4</c>) that must be
/// the requester, the requester's organisation, or a group the requester belongs to.
/// </param>
public sealed record ProvisionActor(Coding? Role, string? Reference);
