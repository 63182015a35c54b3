using System.Diagnostics.CodeAnalysis;
using Hl7.Fhir.Model;

namespace CareLedger.Identity.Scopes;

/// <summary>What a scope is about: a resource permission, a launch context request, or an identity/token request.</summary>
public enum SmartScopeKind
{
    Resource,
    OpenId,
    FhirUser,
    OfflineAccess,
    OnlineAccess,
    LaunchPatient,
}

/// <summary>
/// One SMART App Launch v2 scope: <c>patient/Observation.rs</c>, <c>user/*.cruds</c>, <c>system/Patient.r</c>,
/// <c>patient/Observation.rs?category=laboratory</c>, <c>launch/patient</c>, <c>openid</c>, <c>fhirUser</c>,
/// <c>offline_access</c>, <c>online_access</c>. SMART v1 suffixes are read as their v2 equivalents
/// (<c>.read</c> = rs, <c>.write</c> = cud, <c>.*</c> = cruds).
/// </summary>
/// <remarks>
/// Granular search parameters are parsed and kept; only <c>category</c> is enforced. A resource scope whose filter
/// names any other parameter grants nothing, because a permission that cannot be checked must not widen access.
/// </remarks>
public sealed class SmartScope : IEquatable<SmartScope>
{
    public const string CategoryParameter = "category";

    private static readonly Dictionary<string, SmartScopeKind> s_simple = new(StringComparer.Ordinal)
    {
        ["openid"] = SmartScopeKind.OpenId,
        ["fhirUser"] = SmartScopeKind.FhirUser,
        ["offline_access"] = SmartScopeKind.OfflineAccess,
        ["online_access"] = SmartScopeKind.OnlineAccess,
        ["launch/patient"] = SmartScopeKind.LaunchPatient,
    };

    private SmartScope(string text, SmartScopeKind kind, SmartContext context, string? resourceType,
        SmartPermissions permissions, string? query, IReadOnlyList<KeyValuePair<string, string>> filter)
    {
        Text = text;
        Kind = kind;
        Context = context;
        ResourceType = resourceType;
        Permissions = permissions;
        Query = query;
        Filter = filter;
        Canonical = kind == SmartScopeKind.Resource
            ? $"{ContextPrefix(context)}/{resourceType}.{SmartPermissionLetters.ToLetters(permissions)}{(query is null ? "" : "?" + query)}"
            : text;
    }

    /// <summary>The scope as it was written (a v1 scope keeps its v1 spelling here).</summary>
    public string Text { get; }

    /// <summary>The SMART v2 spelling; two scopes are equal when their canonical forms are.</summary>
    public string Canonical { get; }

    public SmartScopeKind Kind { get; }

    /// <summary>For resource scopes, exactly one of patient, user or system; <see cref="SmartContext.None"/> otherwise.</summary>
    public SmartContext Context { get; }

    /// <summary>A FHIR resource type or <c>*</c>; null for non-resource scopes.</summary>
    public string? ResourceType { get; }

    public SmartPermissions Permissions { get; }

    /// <summary>The raw granular query after '?', or null.</summary>
    public string? Query { get; }

    /// <summary>The granular search parameters, decoded, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Filter { get; }

    public bool IsResourceScope => Kind == SmartScopeKind.Resource;

    public static SmartScope Parse(string text) =>
        TryParse(text, out var scope, out var error)
            ? scope
            : throw new FormatException($"'{text}' is not a SMART scope: {error}");

    public static bool TryParse(string text, [NotNullWhen(true)] out SmartScope? scope, [NotNullWhen(false)] out string? error)
    {
        scope = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "the scope is empty";
            return false;
        }

        if (s_simple.TryGetValue(text, out var kind))
        {
            scope = new SmartScope(text, kind, SmartContext.None, null, SmartPermissions.None, null, []);
            error = null;
            return true;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            error = "unknown scope (expected openid, fhirUser, offline_access, online_access, launch/patient or context/Resource.permissions)";
            return false;
        }

        var context = text[..slash] switch
        {
            "patient" => SmartContext.Patient,
            "user" => SmartContext.User,
            "system" => SmartContext.System,
            _ => SmartContext.None,
        };
        if (context == SmartContext.None)
        {
            error = $"'{text[..slash]}' is not a scope context (expected patient, user or system)";
            return false;
        }

        var rest = text[(slash + 1)..];
        string? query = null;
        var question = rest.IndexOf('?', StringComparison.Ordinal);
        if (question >= 0)
        {
            query = rest[(question + 1)..];
            rest = rest[..question];
        }

        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            error = "missing '.' between the resource type and the permissions";
            return false;
        }

        var resourceType = rest[..dot];
        if (resourceType != "*" && !IsResourceType(resourceType))
        {
            error = $"'{resourceType}' is not a FHIR R4 resource type (or '*')";
            return false;
        }

        var suffix = rest[(dot + 1)..];
        SmartPermissions permissions;
        var isV1 = suffix is "read" or "write" or "*";
        if (isV1)
        {
            permissions = suffix switch
            {
                "read" => SmartPermissions.Read | SmartPermissions.Search,
                "write" => SmartPermissions.Create | SmartPermissions.Update | SmartPermissions.Delete,
                _ => SmartPermissions.All,
            };
        }
        else if (!SmartPermissionLetters.TryParse(suffix, out permissions, out error))
        {
            return false;
        }

        IReadOnlyList<KeyValuePair<string, string>> filter = [];
        if (query is not null)
        {
            if (isV1)
            {
                error = "SMART v1 scopes (.read, .write, .*) cannot carry search parameters";
                return false;
            }

            if (!TryParseQuery(query, out filter, out error))
            {
                return false;
            }
        }

        scope = new SmartScope(text, SmartScopeKind.Resource, context, resourceType, permissions, query, filter);
        error = null;
        return true;
    }

    /// <summary>A resource scope built from its parts (its text is the v2 spelling).</summary>
    public static SmartScope ForResource(SmartContext context, string resourceType, SmartPermissions permissions, string? query = null)
    {
        if (context is not (SmartContext.Patient or SmartContext.User or SmartContext.System))
        {
            throw new ArgumentException($"a resource scope has exactly one context, not {context}", nameof(context));
        }

        var text = $"{ContextPrefix(context)}/{resourceType}.{SmartPermissionLetters.ToLetters(permissions)}{(query is null ? "" : "?" + query)}";
        return Parse(text);
    }

    /// <summary>Whether this scope alone allows the interaction on the type (and, for granular scopes, the category).</summary>
    public bool Grants(string resourceType, FhirInteraction interaction, string? category = null)
    {
        if (!IsResourceScope
            || (ResourceType != "*" && !string.Equals(ResourceType, resourceType, StringComparison.Ordinal))
            || (Permissions & SmartPermissionLetters.For(interaction)) == 0)
        {
            return false;
        }

        return Filter.Count == 0 || FilterAdmitsCategory(category);
    }

    /// <summary>
    /// The largest scope that both this and <paramref name="other"/> allow, or null if they share nothing.
    /// Non-resource scopes intersect only with themselves.
    /// </summary>
    public SmartScope? Intersect(SmartScope other)
    {
        if (!IsResourceScope || !other.IsResourceScope)
        {
            return Kind == other.Kind && !IsResourceScope ? this : null;
        }

        if (Context != other.Context)
        {
            return null;
        }

        string resource;
        if (ResourceType == other.ResourceType || other.ResourceType == "*")
        {
            resource = ResourceType!;
        }
        else if (ResourceType == "*")
        {
            resource = other.ResourceType!;
        }
        else
        {
            return null;
        }

        var permissions = Permissions & other.Permissions;
        if (permissions == SmartPermissions.None)
        {
            return null;
        }

        string? query;
        if (Query is null || other.Query is null || Query == other.Query)
        {
            query = Query ?? other.Query;
        }
        else
        {
            return null;
        }

        // Keep the requester's spelling (v1 or v2) when nothing was taken away.
        if (resource == ResourceType && permissions == Permissions && query == Query)
        {
            return this;
        }

        return ForResource(Context, resource, permissions, query);
    }

    public bool Equals(SmartScope? other) => other is not null && Canonical == other.Canonical;

    public override bool Equals(object? obj) => Equals(obj as SmartScope);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Canonical);

    public override string ToString() => Text;

    internal static string ContextPrefix(SmartContext context) => context switch
    {
        SmartContext.Patient => "patient",
        SmartContext.User => "user",
        SmartContext.System => "system",
        _ => throw new ArgumentOutOfRangeException(nameof(context), context, "not a single scope context"),
    };

    private static bool IsResourceType(string name) =>
        name.Length > 0 && char.IsAsciiLetterUpper(name[0]) && name is not ("Resource" or "DomainResource")
        && ModelInfo.IsKnownResource(name);

    private static bool TryParseQuery(string query, out IReadOnlyList<KeyValuePair<string, string>> filter, [NotNullWhen(false)] out string? error)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        filter = pairs;
        if (query.Length == 0)
        {
            error = "empty search parameters after '?'";
            return false;
        }

        foreach (var part in query.Split('&'))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == part.Length - 1)
            {
                error = $"search parameter '{part}' is not name=value";
                return false;
            }

            pairs.Add(new(Uri.UnescapeDataString(part[..equals]), Uri.UnescapeDataString(part[(equals + 1)..])));
        }

        error = null;
        return true;
    }

    private bool FilterAdmitsCategory(string? category)
    {
        if (category is null || Filter.Any(p => p.Key != CategoryParameter))
        {
            return false;
        }

        // Several category parameters all have to hold (FHIR search ANDs repeated parameters); commas are ORs.
        return Filter.All(p => p.Value.Split(',').Any(allowed => CategoryMatches(allowed, category)));
    }

    /// <summary>Token match: system|code against system|code exactly; a side without a system compares codes only.</summary>
    private static bool CategoryMatches(string allowed, string requested)
    {
        var allowedBar = allowed.IndexOf('|', StringComparison.Ordinal);
        var requestedBar = requested.IndexOf('|', StringComparison.Ordinal);
        if (allowedBar >= 0 && requestedBar >= 0)
        {
            return string.Equals(allowed, requested, StringComparison.Ordinal);
        }

        var allowedCode = allowedBar >= 0 ? allowed[(allowedBar + 1)..] : allowed;
        var requestedCode = requestedBar >= 0 ? requested[(requestedBar + 1)..] : requested;
        return allowedCode.Length > 0 && string.Equals(allowedCode, requestedCode, StringComparison.Ordinal);
    }
}
