using CareLedger.Consent.Model;

namespace CareLedger.Consent.Requests;

/// <summary>
/// The resource a request touches. Facts that may be unknown are nullable: a provision constraining an unknown fact
/// is resolved toward denial (a deny provision matches it, a permit provision does not).
/// </summary>
/// <param name="ResourceType">The FHIR resource type; it is matched as class <c>http://hl7.org/fhir/resource-types|{type}</c>.</param>
public sealed record RequestedResource(string ResourceType)
{
    /// <summary><c>meta.security</c> labels; empty means the resource carries none.</summary>
    public IReadOnlyList<Coding> SecurityLabels { get; init; } = [];

    /// <summary>Further classes of the resource (for example its profiles), besides its resource type.</summary>
    public IReadOnlyList<Coding> Classes { get; init; } = [];

    /// <summary>Codes found in the resource (e.g. <c>Observation.code</c>); null when unknown.</summary>
    public IReadOnlyList<Coding>? Codes { get; init; }

    /// <summary>The clinical time of the data (effective, onset, issued ...), tested against <c>dataPeriod</c>; null when unknown.</summary>
    public DateTimeOffset? DataTime { get; init; }

    /// <summary>The resource's own reference, e.g. <c>Observation/9</c>; null when unknown (a search before fetch).</summary>
    public string? Reference { get; init; }

    /// <summary>Resources this one refers to; null when unknown. Used by data meaning <c>dependents</c>.</summary>
    public IReadOnlyList<string>? References { get; init; }

    /// <summary>Resources that refer to this one; null when unknown. Used by data meaning <c>related</c>.</summary>
    public IReadOnlyList<string>? ReferencedBy { get; init; }

    /// <summary>Authors of this resource; null when unknown. Used by data meaning <c>authoredby</c>.</summary>
    public IReadOnlyList<string>? Authors { get; init; }
}
