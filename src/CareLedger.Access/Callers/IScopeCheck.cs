using CareLedger.Access.Gate;

namespace CareLedger.Access.Callers;

/// <summary>
/// The caller's granted scopes (SMART App Launch v2 on the HTTP side), as the door asks about them. The node adapts its
/// token's scope set to this; the door never sees a token.
/// </summary>
public interface IScopeCheck
{
    /// <summary>Whether a granted scope covers <paramref name="action"/> on <paramref name="resourceType"/>.</summary>
    bool Permits(string resourceType, AccessAction action);

    /// <summary>The scope that would cover it, to name in a refusal (e.g. <c>patient/Observation.rs</c>).</summary>
    string RequiredScope(string resourceType, AccessAction action);
}
