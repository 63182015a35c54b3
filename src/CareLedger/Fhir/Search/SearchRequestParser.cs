using System.Globalization;
using CareLedger.Fhir.Errors;
using CareLedger.Vault.Search;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Search;

/// <summary>
/// Parses FHIR search parameters into a <see cref="SearchRequest"/>. Strict: a parameter, modifier or prefix the
/// server does not support is a 400 naming it, rather than silently ignored (which would return wrong results).
/// </summary>
public static class SearchRequestParser
{
    public const int DefaultCount = 20;
    public const int MaxCount = 1000;
    public const string CursorParameter = "_cursor";

    /// <summary>Result-shaping parameters that the HTTP edge handles; they do not filter.</summary>
    private static readonly HashSet<string> s_ignored = new(StringComparer.Ordinal) { "_format", "_pretty" };

    public static SearchRequest Parse(string resourceType, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        if (!ModelInfo.IsKnownResource(resourceType))
        {
            throw FhirProblemException.NotFound($"unknown resource type '{resourceType}'");
        }

        var predicates = new List<SearchPredicate>();
        var ids = new List<string>();
        var hasIds = false;
        var lastUpdated = new List<DateCondition>();
        var sort = new List<VaultSort>();
        var includes = new List<IncludeRequest>();
        var canonical = new List<KeyValuePair<string, string>>();
        var count = DefaultCount;
        var includeTotal = false;
        var exactChecks = new List<DatePredicate>();
        VaultSort? exactSort = null;
        SearchCursor? cursor = null;

        foreach (var (rawName, value) in parameters)
        {
            var (name, modifier) = SplitModifier(rawName);
            if (s_ignored.Contains(name))
            {
                continue;
            }

            switch (name)
            {
                case CursorParameter:
                    cursor = SearchCursor.Decode(value);
                    continue;
                case "_count":
                    count = ParseCount(value);
                    continue;
                case "_total":
                    includeTotal = value switch
                    {
                        "accurate" => true,
                        "none" or "estimate" => false,
                        _ => throw FhirProblemException.BadRequest($"_total must be none, estimate or accurate, not '{value}'"),
                    };
                    break;
                case "_id":
                    RejectModifier(rawName, modifier);
                    hasIds = true;
                    ids.AddRange(SplitValues(value));
                    break;
                case "_lastUpdated":
                    RejectModifier(rawName, modifier);
                    lastUpdated.AddRange(SplitValues(value).Select(v => ParseDateCondition("_lastUpdated", v)));
                    break;
                case "_sort":
                    sort.AddRange(SplitValues(value).Select(v => ParseSort(resourceType, v)));
                    exactSort ??= sort.FirstOrDefault(s => s.Parameter is { } p && SearchTokens.CoarseDateParameters.Contains(p));
                    break;
                case "_include":
                    includes.Add(ParseInclude(resourceType, value, modifier));
                    break;
                default:
                    if (name.StartsWith('_'))
                    {
                        throw FhirProblemException.NotSupported($"search parameter '{name}' is not supported by this server (see /fhir/metadata)");
                    }

                    var predicate = ParsePredicate(resourceType, name, modifier, value);
                    if (predicate is DatePredicate date && SearchTokens.CoarseDateParameters.Contains(name))
                    {
                        var coarse = CoarseDate(date);
                        if (coarse is not null)
                        {
                            predicates.Add(coarse);
                        }

                        if (coarse is not TokenPredicate)
                        {
                            exactChecks.Add(date);
                        }
                    }
                    else
                    {
                        predicates.Add(predicate);
                    }

                    break;
            }

            canonical.Add(new(rawName, value));
        }

        var query = new VaultQuery(resourceType)
        {
            Predicates = predicates,
            Ids = hasIds ? ids : null,
            LastUpdated = lastUpdated,
            Sort = sort,
        };
        return new SearchRequest(resourceType, query, includes, count, cursor, includeTotal, canonical)
        {
            ExactDateChecks = exactChecks,
            ExactSort = exactSort,
        };
    }

    private static SearchPredicate ParsePredicate(string resourceType, string name, string? modifier, string value)
    {
        var parameter = SearchParameterCatalog.Instance.Find(resourceType, name)
            ?? throw FhirProblemException.NotSupported($"search parameter '{name}' is not supported for {resourceType} (see /fhir/metadata)");
        var values = SplitValues(value);
        if (values.Count == 0)
        {
            throw FhirProblemException.BadRequest($"search parameter '{name}' has no value");
        }

        if (modifier == "missing")
        {
            return values is ["true" or "false"]
                ? new MissingPredicate(MissingParameterName(parameter), SearchIndexer.KindOf(parameter), values[0] == "true")
                : throw FhirProblemException.BadRequest($"{name}:missing takes true or false");
        }

        switch (parameter.Type)
        {
            case SearchParamType.Token:
                if (modifier is not (null or "not"))
                {
                    throw UnsupportedModifier(name, modifier);
                }

                return new TokenPredicate(name, values, Blinded: parameter.IsSensitive) { Negated = modifier == "not" };
            case SearchParamType.String:
                if (modifier == "exact")
                {
                    return new TokenPredicate(name + SearchTokens.ExactSuffix, values, Blinded: true);
                }

                if (modifier is not null)
                {
                    throw UnsupportedModifier(name, modifier);
                }

                return new TokenPredicate(name, [.. values.Select(v => StringQuery(name, v))], Blinded: true);
            case SearchParamType.Reference:
                return new ReferencePredicate(name, [.. values.SelectMany(v => ReferenceTargets(parameter, modifier, v)).Distinct()]);
            case SearchParamType.Date:
                if (modifier is not null)
                {
                    throw UnsupportedModifier(name, modifier);
                }

                return new DatePredicate(name, [.. values.Select(v => ParseDateCondition(name, v))]);
            default:
                throw FhirProblemException.NotSupported($"search parameter '{name}' is not supported for {resourceType}");
        }
    }

    /// <summary>
    /// The vault query for a date parameter indexed by year only: whole-day equality uses the blinded exact date;
    /// any other condition becomes one that finds a superset (the exact check follows after reading), and
    /// <c>ne</c> cannot be narrowed at all (null: no vault filter).
    /// </summary>
    private static SearchPredicate? CoarseDate(DatePredicate date)
    {
        if (date.Conditions.All(c => c.Prefix == SearchPrefix.Eq && c.EndUnixMs - c.StartUnixMs == TimeSpan.FromDays(1).TotalMilliseconds - 1))
        {
            return new TokenPredicate(date.Parameter, [.. date.Conditions.Select(c => DateTimeOffset.FromUnixTimeMilliseconds(c.StartUnixMs).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))], Blinded: true);
        }

        if (date.Conditions.Any(c => c.Prefix == SearchPrefix.Ne))
        {
            return null;
        }

        return new DatePredicate(date.Parameter, [.. date.Conditions.Select(c => c.Prefix switch
        {
            SearchPrefix.Gt or SearchPrefix.Sa => new DateCondition(SearchPrefix.Gt, c.StartUnixMs, c.EndUnixMs),
            SearchPrefix.Ge => new DateCondition(SearchPrefix.Gt, c.StartUnixMs - 1, c.StartUnixMs - 1),
            SearchPrefix.Lt or SearchPrefix.Eb => new DateCondition(SearchPrefix.Lt, c.StartUnixMs, c.EndUnixMs),
            SearchPrefix.Le => new DateCondition(SearchPrefix.Lt, c.EndUnixMs + 1, c.EndUnixMs + 1),
            _ => new DateCondition(SearchPrefix.Ap, c.StartUnixMs, c.EndUnixMs),
        })]);
    }

    /// <summary>String parameters are indexed under their name (prefixes) and name:exact; :missing looks at the exact values.</summary>
    private static string MissingParameterName(SupportedSearchParameter parameter) =>
        parameter.Type == SearchParamType.String ? parameter.Name + SearchTokens.ExactSuffix : parameter.Name;

    private static string StringQuery(string name, string value)
    {
        var normalised = SearchTokens.StringQuery(value);
        if (normalised.Length < SearchTokens.MinimumPrefixLength)
        {
            throw FhirProblemException.BadRequest(
                $"{name}: string search needs at least {SearchTokens.MinimumPrefixLength} characters (names and addresses are indexed as blind tokens of prefixes from that length); use {name}:exact for a shorter whole value");
        }

        return normalised;
    }

    private static IEnumerable<string> ReferenceTargets(SupportedSearchParameter parameter, string? modifier, string value)
    {
        if (modifier is not null && !ModelInfo.IsKnownResource(modifier))
        {
            throw UnsupportedModifier(parameter.Name, modifier);
        }

        if (SearchIndexer.ReferenceKey(value) is { } key)
        {
            return [key];
        }

        if (value.Contains('/', StringComparison.Ordinal) || value.Contains(':', StringComparison.Ordinal))
        {
            throw FhirProblemException.BadRequest($"{parameter.Name}: '{value}' is neither an id nor a Type/id reference to a known resource type");
        }

        var types = modifier is not null ? [modifier] : parameter.Targets;
        return types.Select(t => t + "/" + value);
    }

    private static DateCondition ParseDateCondition(string name, string value)
    {
        var prefix = SearchPrefix.Eq;
        var text = value;
        if (value.Length > 2 && char.IsAsciiLetterLower(value[0]) && char.IsAsciiLetterLower(value[1]))
        {
            prefix = value[..2] switch
            {
                "eq" => SearchPrefix.Eq,
                "ne" => SearchPrefix.Ne,
                "gt" => SearchPrefix.Gt,
                "lt" => SearchPrefix.Lt,
                "ge" => SearchPrefix.Ge,
                "le" => SearchPrefix.Le,
                "sa" => SearchPrefix.Sa,
                "eb" => SearchPrefix.Eb,
                "ap" => SearchPrefix.Ap,
                _ => throw FhirProblemException.BadRequest($"{name}: unknown prefix '{value[..2]}' (eq ne gt lt ge le sa eb ap)"),
            };
            text = value[2..];
        }

        return FhirDateRange.TryParse(text, out var range)
            ? new DateCondition(prefix, range.StartUnixMs, range.EndUnixMs)
            : throw FhirProblemException.BadRequest($"{name}: '{text}' is not a FHIR date, dateTime or instant");
    }

    private static VaultSort ParseSort(string resourceType, string value)
    {
        var descending = value.StartsWith('-');
        var name = descending ? value[1..] : value;
        switch (name)
        {
            case "_lastUpdated":
                return VaultSort.ByLastUpdated(descending);
            case "_id":
                return VaultSort.ById(descending);
        }

        var parameter = SearchParameterCatalog.Instance.Find(resourceType, name)
            ?? throw FhirProblemException.NotSupported($"cannot sort {resourceType} by '{name}': not a supported search parameter");
        var kind = SearchIndexer.KindOf(parameter);
        return kind is IndexKind.Date or IndexKind.Token
            ? VaultSort.ByParameter(name, kind, descending)
            : throw FhirProblemException.NotSupported(
                $"cannot sort by '{name}': its values are stored only as blind tokens or hashed references, which have no order");
    }

    private static IncludeRequest ParseInclude(string resourceType, string value, string? modifier)
    {
        if (modifier is not null)
        {
            throw UnsupportedModifier("_include", modifier);
        }

        var parts = value.Split(':');
        if (parts.Length is < 2 or > 3 || parts[0] != resourceType)
        {
            throw FhirProblemException.BadRequest($"_include must be {resourceType}:parameter[:TargetType], not '{value}'");
        }

        var parameter = SearchParameterCatalog.Instance.Find(resourceType, parts[1]);
        if (parameter is null || parameter.Type != SearchParamType.Reference)
        {
            throw FhirProblemException.NotSupported($"_include: '{parts[1]}' is not a supported reference parameter of {resourceType}");
        }

        if (parts.Length == 3 && !parameter.Targets.Contains(parts[2]))
        {
            throw FhirProblemException.BadRequest($"_include: {resourceType}:{parts[1]} cannot point to {parts[2]}");
        }

        return new IncludeRequest(resourceType, parts[1], parts.Length == 3 ? parts[2] : null);
    }

    private static int ParseCount(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 0
            ? Math.Min(count, MaxCount)
            : throw FhirProblemException.BadRequest($"_count must be a non-negative integer, not '{value}'");

    private static (string Name, string? Modifier) SplitModifier(string raw)
    {
        var colon = raw.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (raw, null) : (raw[..colon], raw[(colon + 1)..]);
    }

    private static void RejectModifier(string raw, string? modifier)
    {
        if (modifier is not null)
        {
            throw UnsupportedModifier(raw, modifier);
        }
    }

    private static FhirProblemException UnsupportedModifier(string name, string? modifier) =>
        FhirProblemException.NotSupported($"modifier ':{modifier}' is not supported on '{name}'");

    /// <summary>Splits a comma-separated OR list; "\," is a literal comma.</summary>
    public static List<string> SplitValues(string value)
    {
        var values = new List<string>();
        var current = new System.Text.StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                current.Append(value[++i]);
            }
            else if (value[i] == ',')
            {
                values.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(value[i]);
            }
        }

        values.Add(current.ToString());
        return values.Where(v => v.Length > 0).ToList();
    }
}
