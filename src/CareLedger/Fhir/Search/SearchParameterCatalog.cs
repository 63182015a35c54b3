using System.Collections.Frozen;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.FhirPath;
using Hl7.FhirPath.Expressions;

namespace CareLedger.Fhir.Search;

/// <summary>A search parameter this server indexes, with its FHIRPath narrowed to one resource type and compiled.</summary>
public sealed record SupportedSearchParameter(
    string ResourceType, string Name, SearchParamType Type, string Expression, IReadOnlyList<string> Targets, CompiledExpression Compiled)
{
    /// <summary>Values that identify or locate a person: indexed only as keyed blind tokens, never in clear.</summary>
    public bool IsSensitive => Type == SearchParamType.String || SearchParameterCatalog.SensitiveTokenNames.Contains(Name);

    /// <summary>The expression walked directly over the POCO, when it is a plain path (see <see cref="DirectPath"/>); else null.</summary>
    public DirectPath? Direct { get; init; }
}

/// <summary>
/// The search parameters the server supports, taken from the R4 definitions in the SDK's
/// <c>ModelInfo.SearchParameters</c> (so the expressions are the specification's own) and filtered to the
/// names below. The CapabilityStatement is generated from this catalog, so it cannot claim more than is indexed.
/// </summary>
public sealed partial class SearchParameterCatalog
{
    /// <summary>The per-type parameters indexed wherever the R4 specification defines them.</summary>
    public static readonly FrozenSet<string> SupportedNames = FrozenSet.ToFrozenSet(
    [
        "patient", "subject", "encounter", "code", "date", "category", "status", "identifier", "name", "family", "given",
        "birthdate", "gender", "telecom", "email", "phone", "address", "organization", "general-practitioner", "performer",
    ], StringComparer.Ordinal);

    /// <summary>Token parameters whose values are personal (identifiers, phone numbers, e-mail addresses).</summary>
    public static readonly FrozenSet<string> SensitiveTokenNames = FrozenSet.ToFrozenSet(["identifier", "telecom", "email", "phone"], StringComparer.Ordinal);

    private static readonly Lazy<SearchParameterCatalog> s_instance = new(() => new SearchParameterCatalog());

    private readonly FrozenDictionary<string, SupportedSearchParameter[]> byType;

    private SearchParameterCatalog()
    {
        var compiler = new FhirPathCompiler(new SymbolTable().AddStandardFP().AddFhirExtensions());
        byType = ModelInfo.SearchParameters
            .Where(p => p.Expression is not null && p.Name is not null && p.Resource is not null && SupportedNames.Contains(p.Name)
                        && p.Type is SearchParamType.Token or SearchParamType.String or SearchParamType.Date or SearchParamType.Reference
                        && ModelInfo.IsKnownResource(p.Resource))
            .Select(p => (p, expression: NarrowTo(p.Resource!, p.Expression!)))
            .Where(x => x.expression is not null)
            .Select(x => new SupportedSearchParameter(x.p.Resource!, x.p.Name!, x.p.Type, x.expression!,
                [.. (x.p.Target ?? []).Select(t => t.ToString())], compiler.Compile(x.expression!))
            {
                Direct = DirectPath.TryCreate(x.p.Resource!, x.expression!),
            })
            .GroupBy(p => p.ResourceType, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    public static SearchParameterCatalog Instance => s_instance.Value;

    public IReadOnlyList<SupportedSearchParameter> For(string resourceType) =>
        byType.TryGetValue(resourceType, out var found) ? found : [];

    public SupportedSearchParameter? Find(string resourceType, string name) =>
        For(resourceType).FirstOrDefault(p => p.Name == name);

    /// <summary>
    /// The R4 expressions are unions over many resource types ("AllergyIntolerance.code | Condition.code | ...");
    /// only this type's branches are kept. <c>resolve() is Patient</c> needs no resolver here: references are
    /// stored as "Type/id" once a write is resolved, so the type is read from the reference itself.
    /// </summary>
    private static string? NarrowTo(string resourceType, string expression)
    {
        var branches = SplitTopLevelUnion(expression)
            .Select(b => b.Trim())
            .Where(b => b.StartsWith(resourceType + ".", StringComparison.Ordinal) || b.StartsWith("(" + resourceType + ".", StringComparison.Ordinal))
            .Select(b => ResolveIsType().Replace(b, m => $".where(reference.startsWith('{m.Groups[1].Value}/'))"))
            .ToList();
        return branches.Count == 0 ? null : string.Join(" | ", branches);
    }

    private static IEnumerable<string> SplitTopLevelUnion(string expression)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < expression.Length; i++)
        {
            switch (expression[i])
            {
                case '(': depth++; break;
                case ')': depth--; break;
                case '|' when depth == 0:
                    yield return expression[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return expression[start..];
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\.where\(resolve\(\) is (\w+)\)")]
    private static partial System.Text.RegularExpressions.Regex ResolveIsType();
}
