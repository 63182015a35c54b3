namespace CareLedger.Vault.Records;

/// <summary>What the vault accepts as a resource type and a logical id (the FHIR R4 rules).</summary>
internal static class RecordNames
{
    public const int MaxLength = 64;

    /// <summary>FHIR resource type names: an upper-case letter, then letters.</summary>
    public static void ValidateType(string? resourceType, string parameterName)
    {
        if (string.IsNullOrEmpty(resourceType) || resourceType.Length > MaxLength
            || !char.IsAsciiLetterUpper(resourceType[0]) || !resourceType.All(char.IsAsciiLetter))
        {
            throw new ArgumentException(
                $"Resource type '{resourceType}' is not a FHIR resource type name (an upper-case letter, then up to {MaxLength - 1} letters).",
                parameterName);
        }
    }

    /// <summary>FHIR logical ids: 1 to 64 of A-Z a-z 0-9 '-' '.'.</summary>
    public static void ValidateId(string? id, string parameterName)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
        {
            throw new ArgumentException($"Id '{id}' is not a FHIR logical id (1 to {MaxLength} of A-Z a-z 0-9 - .).", parameterName);
        }
    }

    public static void Validate(RecordAddress address, string parameterName)
    {
        ValidateType(address.ResourceType, parameterName);
        ValidateId(address.Id, parameterName);
        if (address.Version < 1)
        {
            throw new ArgumentException($"Version {address.Version} of {address.ResourceType}/{address.Id} is not a version (1 or more).", parameterName);
        }
    }

    /// <summary>Patient ids select a compartment; they are only ever hashed, never stored.</summary>
    public static void ValidatePatientId(string? patientId, string parameterName)
    {
        if (string.IsNullOrWhiteSpace(patientId) || patientId.Length > 256)
        {
            throw new ArgumentException("A patient id must be 1 to 256 characters and not blank.", parameterName);
        }
    }
}
