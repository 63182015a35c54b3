using CareLedger.Consent.Model;

namespace CareLedger.Consent.Vocabulary;

/// <summary>Resource classes for <c>provision.class</c>.</summary>
public static class ResourceClasses
{
    /// <summary>The class coding of a FHIR resource type, e.g. <c>http://hl7.org/fhir/resource-types|Observation</c>.</summary>
    public static Coding OfType(string resourceType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resourceType);
        return new Coding(CodeSystems.ResourceTypes, resourceType);
    }
}
