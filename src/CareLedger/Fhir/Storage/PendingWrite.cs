using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Storage;

/// <summary>A resource about to be written, before validation: <see cref="Location"/> names it in error messages.</summary>
public sealed record PendingWrite(string ResourceType, string Id, Resource? Resource, int CurrentVersion, string Location)
{
    /// <summary>Every reference in <see cref="Resource"/> (<see cref="ResourceReferences.All"/>), when the caller has them already.</summary>
    public IReadOnlyList<ResourceReference>? References { get; init; }
}
