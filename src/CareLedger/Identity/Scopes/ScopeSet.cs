using System.Collections;

namespace CareLedger.Identity.Scopes;

/// <summary>
/// The scopes of one token or request, without duplicates, in order. Answers the access layer's question
/// "may this caller do this interaction on this type (and category), and through which context".
/// </summary>
public sealed class ScopeSet : IReadOnlyCollection<SmartScope>
{
    private readonly List<SmartScope> _scopes;

    public ScopeSet(IEnumerable<SmartScope> scopes)
    {
        _scopes = [];
        var seen = new HashSet<SmartScope>();
        foreach (var scope in scopes)
        {
            if (seen.Add(scope))
            {
                _scopes.Add(scope);
            }
        }
    }

    public static ScopeSet Empty { get; } = new([]);

    public int Count => _scopes.Count;

    /// <summary>Strict: every space-separated scope must parse; the exception names all that do not.</summary>
    public static ScopeSet Parse(string? scopes)
    {
        var parsed = Parse(Split(scopes), out var problems);
        return problems.Count == 0 ? parsed : throw new FormatException(string.Join("; ", problems));
    }

    /// <summary>Lenient: keeps what parses and describes each scope that does not.</summary>
    public static ScopeSet Parse(IEnumerable<string> scopes, out IReadOnlyList<string> problems)
    {
        var list = new List<SmartScope>();
        var errors = new List<string>();
        foreach (var text in scopes)
        {
            if (SmartScope.TryParse(text, out var scope, out var error))
            {
                list.Add(scope);
            }
            else
            {
                errors.Add($"'{text}' is not a SMART scope: {error}");
            }
        }

        problems = errors;
        return new ScopeSet(list);
    }

    public static IEnumerable<string> Split(string? scopes) =>
        (scopes ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public bool Permits(string resourceType, FhirInteraction interaction, string? category = null)
    {
        // A loop, not Exists with a lambda: asked on every request, and the lambda's closure was an allocation each time.
        foreach (var scope in _scopes)
        {
            if (scope.Grants(resourceType, interaction, category))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Every context whose scopes permit the interaction. The access layer restricts a caller permitted only through
    /// <see cref="SmartContext.Patient"/> to the patient in context; user and system contexts leave that to consent.
    /// </summary>
    public SmartContext ContextsPermitting(string resourceType, FhirInteraction interaction, string? category = null)
    {
        var contexts = SmartContext.None;
        foreach (var scope in _scopes)
        {
            if (scope.Grants(resourceType, interaction, category))
            {
                contexts |= scope.Context;
            }
        }

        return contexts;
    }

    public bool Has(SmartScopeKind kind) => _scopes.Exists(s => s.Kind == kind);

    public bool HasContext(SmartContext context) => _scopes.Exists(s => s.IsResourceScope && (s.Context & context) != 0);

    /// <summary>What both sets allow: each scope here narrowed by each scope in <paramref name="allowed"/>.</summary>
    public ScopeSet Intersect(ScopeSet allowed)
    {
        var result = new List<SmartScope>();
        foreach (var requested in _scopes)
        {
            foreach (var permitted in allowed._scopes)
            {
                if (requested.Intersect(permitted) is { } granted)
                {
                    result.Add(granted);
                }
            }
        }

        return new ScopeSet(result);
    }

    public ScopeSet Where(Func<SmartScope, bool> predicate) => new(_scopes.Where(predicate));

    /// <summary>The scope texts, as they should be written into a token.</summary>
    public IEnumerable<string> Texts => _scopes.Select(s => s.Text);

    public IEnumerator<SmartScope> GetEnumerator() => _scopes.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join(' ', Texts);
}
