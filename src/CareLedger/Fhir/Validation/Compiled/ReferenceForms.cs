using System.Text.RegularExpressions;

namespace CareLedger.Fhir.Validation.Compiled;

/// <summary>
/// The form of a literal reference with its id left out: <c>urn:uuid:{uuid}</c>, <c>Type/{id}</c> or
/// <c>Type/{id}/_history/{id}</c> when the ids are well formed (FHIR id rules, RFC 4122 text), so that references that can
/// only differ in which well-formed id they name share one answer. Null for anything else (answered one by one).
/// </summary>
internal static partial class ReferenceForms
{
    public static string? Of(string reference)
    {
        if (Uuid().IsMatch(reference))
        {
            return "urn:uuid:{uuid}";
        }

        if (!Relative().IsMatch(reference))
        {
            return null;
        }

        var type = reference[..reference.IndexOf('/', StringComparison.Ordinal)];
        return reference.Contains("/_history/", StringComparison.Ordinal) ? type + "/{id}/_history/{id}" : type + "/{id}";
    }

    [GeneratedRegex("^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex Uuid();

    [GeneratedRegex(@"^[A-Z][A-Za-z]{1,63}/[A-Za-z0-9\-\.]{1,64}(/_history/[A-Za-z0-9\-\.]{1,64})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Relative();
}
