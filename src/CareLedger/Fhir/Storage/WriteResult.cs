using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Storage;

/// <summary>
/// What a create, update, delete or conditional create did: 201 created, 200 updated or matched an existing
/// resource (conditional create), 204 deleted. <see cref="Resource"/> is the stored resource (null for a delete).
/// </summary>
public sealed record WriteResult(int Status, string ResourceType, string Id, int Version, DateTimeOffset LastUpdated, Resource? Resource)
{
    public string Location => $"{ResourceType}/{Id}/_history/{Version}";

    public string ETag => $"W/\"{Version}\"";
}
