using System.Collections;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Search;

/// <summary>
/// A search parameter's FHIRPath expression evaluated by walking the POCO, for the few shapes that most R4 search
/// parameters take: <c>Type.a.b</c>, <c>Type.a.where(reference.startsWith('Patient/'))</c> (what the catalog makes of
/// <c>where(resolve() is Patient)</c>), <c>Type.a.where(system='email')</c> and <c>(Type.a as CodeableConcept)</c>.
/// It gives the same values in the same order as the compiled FHIRPath over a POCO node tree, without building that tree
/// or running the FHIRPath engine (search index extraction was a seventh of an import's allocation). Any other expression
/// (a union of branches, which FHIRPath deduplicates; functions; <c>as</c> a primitive or a type with subtypes) has no
/// direct path and keeps the FHIRPath evaluation. <c>DirectPathTests</c> compares both on every resource of the test data.
/// </summary>
public sealed partial class DirectPath
{
    /// <summary>Complex types without subtypes among the POCOs: <c>as</c> them is an exact type test.</summary>
    private static readonly Dictionary<string, Type> s_asTypes = new(StringComparer.Ordinal)
    {
        ["CodeableConcept"] = typeof(CodeableConcept),
        ["Reference"] = typeof(ResourceReference),
        ["Period"] = typeof(Period),
        ["Identifier"] = typeof(Identifier),
        ["Coding"] = typeof(Coding),
    };

    private readonly string[] steps;
    private readonly Type? asType;
    private readonly string? referencePrefix;
    private readonly string? contactSystem;

    private DirectPath(string[] steps, Type? asType, string? referencePrefix, string? contactSystem)
    {
        this.steps = steps;
        this.asType = asType;
        this.referencePrefix = referencePrefix;
        this.contactSystem = contactSystem;
    }

    /// <summary>The direct form of an expression narrowed to <paramref name="resourceType"/>, or null if it has none.</summary>
    public static DirectPath? TryCreate(string resourceType, string expression)
    {
        if (AsType().Match(expression) is { Success: true } cast)
        {
            return s_asTypes.TryGetValue(cast.Groups["type"].Value, out var type) && Steps(resourceType, cast.Groups["path"].Value) is { } castSteps
                ? new DirectPath(castSteps, type, null, null)
                : null;
        }

        if (WithFilter().Match(expression) is not { Success: true } match || Steps(resourceType, match.Groups["path"].Value) is not { } pathSteps)
        {
            return null;
        }

        return match.Groups["prefix"].Success ? new DirectPath(pathSteps, null, match.Groups["prefix"].Value, null)
            : match.Groups["system"].Success ? new DirectPath(pathSteps, null, null, match.Groups["system"].Value)
            : new DirectPath(pathSteps, null, null, null);
    }

    /// <summary>The values the expression selects in <paramref name="resource"/>, in document order.</summary>
    public void Evaluate(Resource resource, List<Base> into) => Walk(resource, 0, into);

    private void Walk(Base node, int at, List<Base> into)
    {
        if (at == steps.Length)
        {
            if (Selects(node))
            {
                into.Add(node);
            }

            return;
        }

        if (!node.TryGetValue(steps[at], out var value))
        {
            return;
        }

        switch (value)
        {
            case Base child:
                Walk(child, at + 1, into);
                break;
            case IEnumerable children and not string:
                foreach (var item in children)
                {
                    if (item is Base element)
                    {
                        Walk(element, at + 1, into);
                    }
                }

                break;
        }
    }

    private bool Selects(Base node) =>
        (asType is null || node.GetType() == asType)
        && (referencePrefix is null || node is ResourceReference { Reference: { } reference } && reference.StartsWith(referencePrefix, StringComparison.Ordinal))
        && (contactSystem is null || node is ContactPoint { SystemElement.JsonValue: string system } && string.Equals(system, contactSystem, StringComparison.Ordinal));

    /// <summary>The element names after the leading type name, or null if the path is not a plain chain of element names.</summary>
    private static string[]? Steps(string resourceType, string path)
    {
        var parts = path.Split('.');
        return parts.Length >= 2 && parts[0] == resourceType && parts.Skip(1).All(p => ElementName().IsMatch(p) && !s_keywords.Contains(p)) ? parts[1..] : null;
    }

    /// <summary>FHIRPath operators spelled like element names: a path with one is left to FHIRPath.</summary>
    private static readonly HashSet<string> s_keywords = new(["and", "or", "xor", "implies", "is", "as", "in", "contains", "div", "mod", "true", "false"], StringComparer.Ordinal);

    [GeneratedRegex(@"^\((?<path>[A-Za-z][A-Za-z0-9.]*) as (?<type>[A-Z][A-Za-z]*)\)$")]
    private static partial Regex AsType();

    [GeneratedRegex(@"^(?<path>[A-Za-z][A-Za-z0-9.]*?)(\.where\(reference\.startsWith\('(?<prefix>[A-Z][A-Za-z]*/)'\)\)|\.where\(system='(?<system>[a-z]+)'\))?$")]
    private static partial Regex WithFilter();

    [GeneratedRegex("^[a-z][A-Za-z0-9]*$")]
    private static partial Regex ElementName();
}
