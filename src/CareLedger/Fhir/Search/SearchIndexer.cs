using CareLedger.Vault.Search;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Search;

/// <summary>
/// Extracts the vault index entries of every supported search parameter of a resource (see
/// <see cref="SearchParameterCatalog"/>). Names, identifiers, telecom and addresses become blinded tokens (only a keyed
/// hash is stored); codes stay plain tokens; references are hashed by the vault; dates are ranges.
/// <c>_id</c> and <c>_lastUpdated</c> need no entries: the vault keeps them for every record.
/// References must already be resolved to "Type/id".
/// </summary>
public static class SearchIndexer
{
    public static List<IndexEntry> Extract(Resource resource)
    {
        var entries = new List<IndexEntry>(16);
        var parameters = SearchParameterCatalog.Instance.For(resource.TypeName);
        if (parameters.Count == 0)
        {
            return entries;
        }

        PocoNode[]? root = null;
        FhirEvaluationContext? context = null;
        var values = new List<Base>();
        foreach (var parameter in parameters)
        {
            if (parameter.Direct is { } direct)
            {
                values.Clear();
                direct.Evaluate(resource, values);
                foreach (var value in values)
                {
                    AddEntries(entries, parameter, value);
                }

                continue;
            }

            root ??= [resource.ToPocoNode(ModelInfo.ModelInspector)];
            context ??= new FhirEvaluationContext();
            foreach (var node in parameter.Compiled(root, context))
            {
                AddEntries(entries, parameter, node.Poco);
            }
        }

        return entries;
    }

    /// <summary>The values of one parameter in a resource through the compiled FHIRPath alone (what <see cref="DirectPath"/> must equal).</summary>
    internal static List<Base> ValuesByFhirPath(Resource resource, SupportedSearchParameter parameter) =>
        [.. parameter.Compiled([resource.ToPocoNode(ModelInfo.ModelInspector)], new FhirEvaluationContext()).Select(n => n.Poco)];

    /// <summary>The index kind a parameter's values are stored under.</summary>
    public static IndexKind KindOf(SupportedSearchParameter parameter) => parameter.Type switch
    {
        SearchParamType.Date => IndexKind.Date,
        SearchParamType.Reference => IndexKind.Reference,
        SearchParamType.String => IndexKind.BlindedToken,
        _ => parameter.IsSensitive ? IndexKind.BlindedToken : IndexKind.Token,
    };

    /// <summary>"Type/id" of a relative or absolute literal reference, or null for contained and unresolved ones.</summary>
    public static string? ReferenceKey(string reference)
    {
        if (reference.StartsWith('#') || reference.StartsWith("urn:", StringComparison.Ordinal) || reference.Contains('?', StringComparison.Ordinal))
        {
            return null;
        }

        var historyAt = reference.IndexOf("/_history/", StringComparison.Ordinal);
        var withoutVersion = historyAt < 0 ? reference : reference[..historyAt];
        var parts = withoutVersion.Split('/');
        return parts.Length >= 2 && ModelInfo.IsKnownResource(parts[^2]) && parts[^1].Length > 0 ? parts[^2] + "/" + parts[^1] : null;
    }

    private static void AddEntries(List<IndexEntry> entries, SupportedSearchParameter parameter, Base? value)
    {
        var name = parameter.Name;
        switch (parameter.Type)
        {
            case SearchParamType.Token:
                var blinded = parameter.IsSensitive;
                foreach (var token in TokensOf(value))
                {
                    entries.Add(blinded ? IndexEntry.ForBlindedToken(name, token) : IndexEntry.ForToken(name, token));
                }

                break;
            case SearchParamType.String:
                foreach (var text in StringsOf(value))
                {
                    if (string.IsNullOrWhiteSpace(text))
                    {
                        continue;
                    }

                    entries.Add(IndexEntry.ForBlindedToken(name + SearchTokens.ExactSuffix, text));
                    foreach (var prefix in SearchTokens.PrefixesOf(text))
                    {
                        entries.Add(IndexEntry.ForBlindedToken(name, prefix));
                    }
                }

                break;
            case SearchParamType.Reference:
                if (value is ResourceReference { Reference: { } reference } && ReferenceKey(reference) is { } key)
                {
                    entries.Add(IndexEntry.ForReference(name, key));
                }

                break;
            case SearchParamType.Date when SearchTokens.CoarseDateParameters.Contains(name):
                if (value is PrimitiveType primitive && FhirDateRange.TryParse(primitive.ToString(), out var exact))
                {
                    var year = FhirDateRange.YearOf(exact);
                    entries.Add(IndexEntry.ForDate(name, year.StartUnixMs, year.EndUnixMs));
                    entries.Add(IndexEntry.ForBlindedToken(name, primitive.ToString()!));
                }

                break;
            case SearchParamType.Date:
                if (DateOf(value) is var (start, end) && (start is not null || end is not null))
                {
                    entries.Add(IndexEntry.ForDate(name, start, end));
                }

                break;
        }
    }

    private static IEnumerable<string> TokensOf(Base? value) => value switch
    {
        Coding c => SearchTokens.ForCode(c.System, c.Code),
        CodeableConcept cc => cc.Coding.SelectMany(c => SearchTokens.ForCode(c.System, c.Code)),
        Identifier i => SearchTokens.ForCode(i.System, i.Value),
        ContactPoint { Value: { } contact } => [contact],
        FhirBoolean { Value: { } flag } => [flag ? "true" : "false"],
        PrimitiveType p when p.JsonValue is not null => [p.ToString()!],
        _ => [],
    };

    private static IEnumerable<string?> StringsOf(Base? value) => value switch
    {
        HumanName n => [n.Text, n.Family, .. n.Given, .. n.Prefix, .. n.Suffix],
        Address a => [a.Text, .. a.Line, a.City, a.District, a.State, a.PostalCode, a.Country],
        PrimitiveType p => [p.ToString()],
        _ => [],
    };

    /// <summary>The exact date ranges of a parameter's values in a resource (for re-checking coarse matches).</summary>
    public static IEnumerable<(long Start, long End)> ExactDates(Resource resource, SupportedSearchParameter parameter)
    {
        var root = new[] { resource.ToPocoNode(ModelInfo.ModelInspector) };
        foreach (var node in parameter.Compiled(root, new FhirEvaluationContext()))
        {
            if (DateOf(node.Poco) is var (start, end) && (start is not null || end is not null))
            {
                yield return (start ?? long.MinValue, end ?? long.MaxValue);
            }
        }
    }

    private static (long? Start, long? End) DateOf(Base? value)
    {
        switch (value)
        {
            case Period p:
                return (FhirDateRange.TryParse(p.Start, out var s) ? s.StartUnixMs : null,
                        FhirDateRange.TryParse(p.End, out var e) ? e.EndUnixMs : null);
            case Timing t:
                var events = t.Event.Select(x => FhirDateRange.TryParse(x, out var r) ? r : (FhirDateRange?)null).OfType<FhirDateRange>().ToList();
                return events.Count == 0 ? (null, null) : (events.Min(r => r.StartUnixMs), events.Max(r => r.EndUnixMs));
            case PrimitiveType primitive when FhirDateRange.TryParse(primitive.ToString(), out var range):
                return (range.StartUnixMs, range.EndUnixMs);
            default:
                return (null, null);
        }
    }
}
