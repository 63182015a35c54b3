using System.Globalization;

namespace CareLedger.Vault;

/// <summary>One version of one FHIR resource: <c>ResourceType/Id/_history/Version</c>.</summary>
public readonly record struct RecordAddress(string ResourceType, string Id, int Version)
{
    /// <summary>Names the record the FHIR way; never includes content.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{ResourceType}/{Id}/_history/{Version}");
}
