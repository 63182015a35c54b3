using CareLedger.Access.Callers;
using CareLedger.Access.Gate;

namespace CareLedger.Access.Tests.Gate.Support;

/// <summary>Granted scopes for tests: everything, or only the listed types (all interactions).</summary>
public sealed class TestScopes : IScopeCheck
{
    private readonly HashSet<string>? _types;

    private TestScopes(IEnumerable<string>? types) => _types = types is null ? null : new HashSet<string>(types, StringComparer.Ordinal);

    public static TestScopes All { get; } = new(null);

    public static TestScopes Only(params string[] types) => new(types);

    public bool Permits(string resourceType, AccessAction action) => _types is null || _types.Contains(resourceType);

    public string RequiredScope(string resourceType, AccessAction action) =>
        $"user/{resourceType}.{(action is AccessAction.Create or AccessAction.Update or AccessAction.Delete ? "cud" : "rs")}";
}
