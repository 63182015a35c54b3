using CareLedger.Identity.Accounts;
using CareLedger.Identity.Scopes;

namespace CareLedger.Identity.Server;

/// <summary>
/// Narrows what a client asks for to what it may have: requested ∩ what the account's role allows ∩ what the
/// client was registered for. Patient-context scopes need an account with a patient; system clients get only system/*.
/// </summary>
internal static class ScopeGrants
{
    /// <summary>
    /// Reads the requested scopes. A malformed SMART scope (anything with a '/') is an error worth telling the
    /// client about; an unknown plain word (say "profile" or "email", which generic OpenID libraries add) is ignored,
    /// as RFC 6749 §3.3 lets a server grant less than asked.
    /// </summary>
    public static ScopeSet Read(IEnumerable<string> scopes, out string? error)
    {
        var parsed = new List<SmartScope>();
        var errors = new List<string>();
        foreach (var text in scopes)
        {
            if (SmartScope.TryParse(text, out var scope, out var problem))
            {
                parsed.Add(scope);
            }
            else if (text.Contains('/', StringComparison.Ordinal))
            {
                errors.Add($"'{text}' is not a SMART scope: {problem}");
            }
        }

        error = errors.Count > 0 ? string.Join("; ", errors) : null;
        return new ScopeSet(parsed);
    }

    public static ScopeSet ForUser(ScopeSet requested, UserAccount account, ClientAccount client) =>
        requested.Intersect(RoleScopes.AllowedFor(account.Role))
            .Intersect(client.AllowedScopes)
            .Where(s => account.PatientId is not null || !(s.Kind == SmartScopeKind.LaunchPatient || s.Context == SmartContext.Patient))
            .Where(s => account.Reference is not null || s.Kind != SmartScopeKind.FhirUser);

    public static ScopeSet ForSystem(ScopeSet requested, ClientAccount client) =>
        requested.Intersect(client.AllowedScopes).Where(s => s.IsResourceScope && s.Context == SmartContext.System);
}
