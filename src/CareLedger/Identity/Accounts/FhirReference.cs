using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;

namespace CareLedger.Identity.Accounts;

/// <summary>A relative FHIR reference <c>Type/id</c> naming the resource an account acts as (SMART <c>fhirUser</c>).</summary>
public readonly partial record struct FhirReference
{
    private FhirReference(string resourceType, string id)
    {
        ResourceType = resourceType;
        Id = id;
    }

    public string ResourceType { get; }

    public string Id { get; }

    public static FhirReference Parse(string text) =>
        TryParse(text, out var reference, out var error)
            ? reference
            : throw new FormatException($"'{text}' is not a FHIR reference: {error}");

    public static bool TryParse(string? text, out FhirReference reference, [NotNullWhen(false)] out string? error)
    {
        reference = default;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash <= 0)
        {
            error = "expected ResourceType/id, e.g. Patient/123";
            return false;
        }

        var type = text[..slash];
        var id = text[(slash + 1)..];
        if (!char.IsAsciiLetterUpper(type[0]) || !ModelInfo.IsKnownResource(type))
        {
            error = $"'{type}' is not a FHIR R4 resource type";
            return false;
        }

        if (!FhirId().IsMatch(id))
        {
            error = $"'{id}' is not a FHIR id (1-64 of A-Z a-z 0-9 - .)";
            return false;
        }

        reference = new FhirReference(type, id);
        error = null;
        return true;
    }

    /// <summary>Reads a reference from a relative or absolute URL ending in <c>Type/id</c> (a <c>fhirUser</c> claim).</summary>
    public static bool TryFromUrl(string? url, out FhirReference reference)
    {
        reference = default;
        if (string.IsNullOrEmpty(url))
        {
            return false;
        }

        var parts = url.TrimEnd('/').Split('/');
        return parts.Length >= 2 && TryParse(parts[^2] + "/" + parts[^1], out reference, out _);
    }

    public override string ToString() => ResourceType + "/" + Id;

    [GeneratedRegex("^[A-Za-z0-9\\-\\.]{1,64}$")]
    private static partial Regex FhirId();
}
