using CareLedger.Consent.Model;

namespace CareLedger.Consent.Requests;

/// <summary>Who asks, as the consent's actors see them.</summary>
/// <param name="Reference">The requester's own FHIR reference, e.g. <c>Practitioner/1</c> or <c>RelatedPerson/7</c>.</param>
public sealed record Requester(string Reference)
{
    /// <summary>Roles the requester holds (practitioner roles, relationship roles such as <c>v3-RoleCode|GUARD</c>).</summary>
    public IReadOnlyList<Coding> Roles { get; init; } = [];

    /// <summary>The requester's organisation, e.g. <c>Organization/2</c>.</summary>
    public string? Organization { get; init; }

    /// <summary>Groups the requester belongs to (<c>CareTeam/3</c>, <c>Group/4</c>, <c>PractitionerRole/5</c>).</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>The requester belongs to this patient's care team (established by the caller).</summary>
    public bool IsCareTeamMember { get; init; }
}
