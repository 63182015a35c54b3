using System.Text.Json;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Validation;

/// <summary>
/// Whether every name in a JSON resource is spelled exactly as FHIR R4 spells it: every property name is an element name
/// of some R4 type (a choice element with its exact type suffix, a primitive's <c>_name</c> twin), and every
/// <c>resourceType</c> is an R4 resource type. The SDK's reader binds names case-insensitively when it runs without its
/// per-element checks (the strict reader reports a wrong-cased name; the POCO it builds is the same either way), so the
/// reading without those checks (<see cref="FhirSerialization.TryParseJsonUnchecked"/>) is trusted only for JSON that
/// passes this scan. Sound because no two names of the set differ only by case (the few R4 names that differ from another
/// only by case are left out, so they always go to the strict reader): a wrong-cased name is then never in the set.
/// </summary>
internal static class ExactCaseNames
{
    private static readonly Lazy<(HashSet<string> Elements, HashSet<string> ResourceTypes)> s_names = new(Build);

    /// <summary>The same two sets, looked up by a name's UTF-8 bytes (every R4 name is ASCII).</summary>
    private static readonly Lazy<(HashSet<string> Elements, HashSet<string> ResourceTypes)> s_utf8Names = new(() =>
        (new HashSet<string>(s_names.Value.Elements, AsciiNameComparer.Instance), new HashSet<string>(s_names.Value.ResourceTypes, AsciiNameComparer.Instance)));

    /// <summary>The longest name the scan looks up; a longer one is never exact.</summary>
    private const int MaxNameBytes = 128;

    /// <summary>Every JSON property name an R4 type declares, exactly as spelled (for the tests' collision check and reference scan).</summary>
    internal static IReadOnlyCollection<string> Elements => s_names.Value.Elements;

    /// <summary>Every R4 resource type name (for the tests' reference scan).</summary>
    internal static IReadOnlyCollection<string> ResourceTypes => s_names.Value.ResourceTypes;

    /// <summary>
    /// True if every property name and every <c>resourceType</c> value is spelled exactly as R4 spells it, for JSON that a
    /// <see cref="Utf8JsonReader"/> has already read as exactly one
    /// well-formed value (the SDK's reader, which reads every token of the resource: <see cref="FhirSerialization.TryParseJsonUnchecked"/>),
    /// without reading it again: a scan of its bytes for strings, where a string followed by a colon is a property name. It
    /// needs no tokenizer because the JSON is known to be well formed: outside a string, a quote can only open one, and
    /// inside, a quote closes it unless a backslash escapes it. The names are looked up by their bytes, not transcoded.
    /// Same answer as a tokenizing scan on such JSON (<c>ExactCaseNamesTests</c> keeps one as the reference): an escaped or overlong name, or a
    /// <c>resourceType</c> whose value is not a plain string naming an R4 resource type, is not exact.
    /// </summary>
    public static bool AreExactInWellFormed(ReadOnlySpan<byte> json)
    {
        var (elements, resourceTypes) = s_utf8Names.Value;
        var lookup = elements.GetAlternateLookup<ReadOnlySpan<byte>>();
        var i = 0;
        while (true)
        {
            var open = json[i..].IndexOf((byte)'"');
            if (open < 0)
            {
                return true;
            }

            var start = i + open + 1;
            var end = StringEnd(json, start, out var escaped);
            if (end < 0)
            {
                return false;
            }

            i = end + 1;
            var next = SkipWhitespace(json, i);
            if (next >= json.Length || json[next] != (byte)':')
            {
                continue;
            }

            var name = json[start..end];
            if (escaped || name.Length > MaxNameBytes)
            {
                return false;
            }

            if (name.SequenceEqual("resourceType"u8))
            {
                var value = SkipWhitespace(json, next + 1);
                if (value >= json.Length || json[value] != (byte)'"')
                {
                    return false;
                }

                var valueEnd = StringEnd(json, value + 1, out var valueEscaped);
                if (valueEnd < 0 || valueEscaped || valueEnd - value - 1 > MaxNameBytes
                    || !resourceTypes.GetAlternateLookup<ReadOnlySpan<byte>>().Contains(json[(value + 1)..valueEnd]))
                {
                    return false;
                }

                i = valueEnd + 1;
            }
            else if (!lookup.Contains(name.Length > 1 && name[0] == (byte)'_' ? name[1..] : name))
            {
                return false;
            }
        }
    }

    /// <summary>Whether the bytes are JSON whitespace only (what may follow a complete JSON value).</summary>
    public static bool IsWhitespace(ReadOnlySpan<byte> json) => SkipWhitespace(json, 0) == json.Length;

    /// <summary>The index of the quote that closes the string whose content starts at <paramref name="start"/>, or -1.</summary>
    private static int StringEnd(ReadOnlySpan<byte> json, int start, out bool escaped)
    {
        escaped = false;
        var i = start;
        while (true)
        {
            var at = json[i..].IndexOfAny((byte)'"', (byte)'\\');
            if (at < 0)
            {
                return -1;
            }

            i += at;
            if (json[i] == (byte)'"')
            {
                return i;
            }

            // A backslash escapes the next byte (in well-formed JSON: one of "\\/bfnrtu, none of which ends the string).
            escaped = true;
            i += 2;
            if (i > json.Length)
            {
                return -1;
            }
        }
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int i)
    {
        while (i < json.Length && json[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            i++;
        }

        return i;
    }

    /// <summary>Ordinal equality of ASCII names, also between a name and its UTF-8 bytes (a byte of 0x80 or more never matches).</summary>
    private sealed class AsciiNameComparer : IEqualityComparer<string>, IAlternateEqualityComparer<ReadOnlySpan<byte>, string>
    {
        public static readonly AsciiNameComparer Instance = new();

        public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

        public int GetHashCode(string obj)
        {
            var hash = 2166136261u;
            foreach (var c in obj)
            {
                hash = (hash ^ c) * 16777619u;
            }

            return (int)hash;
        }

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = 2166136261u;
            foreach (var b in alternate)
            {
                hash = (hash ^ b) * 16777619u;
            }

            return (int)hash;
        }

        public bool Equals(ReadOnlySpan<byte> alternate, string other)
        {
            if (alternate.Length != other.Length)
            {
                return false;
            }

            for (var i = 0; i < alternate.Length; i++)
            {
                if (alternate[i] != other[i])
                {
                    return false;
                }
            }

            return true;
        }

        public string Create(ReadOnlySpan<byte> alternate) => System.Text.Encoding.UTF8.GetString(alternate);
    }

    private static (HashSet<string>, HashSet<string>) Build()
    {
        var inspector = ModelInfo.ModelInspector;
        var mappings = typeof(Resource).Assembly.GetExportedTypes().Concat(typeof(Patient).Assembly.GetExportedTypes())
            .Where(t => typeof(Base).IsAssignableFrom(t) && !t.IsAbstract && !t.ContainsGenericParameters)
            .Select(inspector.FindOrImportClassMapping).OfType<ClassMapping>()
            .Concat(inspector.ClassMappings)
            .Distinct().ToList();
        var typeSuffixes = mappings.Where(m => !m.IsResource && !m.IsCodeOfT && m.Name.Length > 0)
            .Select(m => char.ToUpperInvariant(m.Name[0]) + m.Name[1..]).Distinct(StringComparer.Ordinal).ToList();
        var elements = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in mappings.SelectMany(m => m.PropertyMappings))
        {
            if (property.Choice == ChoiceType.DatatypeChoice)
            {
                foreach (var suffix in typeSuffixes)
                {
                    elements.Add(property.Name + suffix);
                }
            }
            else
            {
                elements.Add(property.Name);
            }
        }

        // A few R4 names differ from another type's name only by case (bodySite and bodysite, subType and subtype, ...):
        // where one of them appears, only the type it sits in says whether it is spelled right, which this scan does not
        // follow, so neither spelling is trusted (none occurs in Synthea's bundles).
        elements.ExceptWith([.. elements.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).SelectMany(g => g)]);
        var resourceTypes = new HashSet<string>(mappings.Where(m => m.IsResource && !m.NativeType.IsAbstract).Select(m => m.Name), StringComparer.Ordinal);
        return (elements, resourceTypes);
    }
}
