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

    /// <summary>Every JSON property name an R4 type declares, exactly as spelled (for the tests' collision check).</summary>
    internal static IReadOnlyCollection<string> Elements => s_names.Value.Elements;

    /// <summary>True if every property name and every <c>resourceType</c> value is spelled exactly as R4 spells it; false also for malformed JSON.</summary>
    public static bool AreExact(ReadOnlySpan<byte> utf8)
    {
        var (elements, resourceTypes) = s_names.Value;
        var lookup = elements.GetAlternateLookup<ReadOnlySpan<char>>();
        var typeLookup = resourceTypes.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> buffer = stackalloc char[128];
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 128 });
            var nextIsResourceType = false;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueIsEscaped || reader.ValueSpan.Length > buffer.Length)
                    {
                        return false;
                    }

                    var name = buffer[..reader.CopyString(buffer)];
                    nextIsResourceType = name.SequenceEqual("resourceType");
                    if (!nextIsResourceType && !lookup.Contains(name.Length > 1 && name[0] == '_' ? name[1..] : name))
                    {
                        return false;
                    }
                }
                else if (nextIsResourceType)
                {
                    nextIsResourceType = false;
                    if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.ValueSpan.Length > buffer.Length
                        || !typeLookup.Contains(buffer[..reader.CopyString(buffer)]))
                    {
                        return false;
                    }
                }
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
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
