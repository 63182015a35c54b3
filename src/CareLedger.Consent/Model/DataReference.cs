namespace CareLedger.Consent.Model;

/// <summary>FHIR R4 <c>Consent.provision.data</c>: specific resources a provision controls.</summary>
public sealed record DataReference(DataMeaning Meaning, string Reference);
