using CareLedger.Access.Callers;
using CareLedger.Access.Gate;
using CareLedger.Identity.Scopes;

namespace CareLedger.Identity.Api;

/// <summary>
/// The bridge from an authenticated HTTP caller to the access layer: the door sees who asks and what their scopes
/// allow, never the token.
/// </summary>
public static class CallerAccess
{
    /// <summary>
    /// The door's view of the request's caller (<see cref="CallerEndpointExtensions.GetCaller"/>): the one made when its
    /// token was validated, if the caller filter paired it with this very caller; otherwise made now.
    /// </summary>
    public static Accessor GetAccessor(this HttpContext context)
    {
        var caller = context.GetCaller();
        return context.Features.Get<ValidatedCaller>() is { } validated && ReferenceEquals(validated.Caller, caller)
            ? validated.Accessor
            : caller.ToAccessor();
    }

    public static Accessor ToAccessor(this CallerContext caller) =>
        new(caller.Subject, caller.Role, caller.Reference?.ToString(), caller.Organisation, caller.PatientId, new ScopeCheck(caller))
        {
            ClientId = caller.ClientId,
        };

    /// <summary>The SMART v2 permission letters an access-layer action needs (export, AI use and disclosure read data).</summary>
    public static FhirInteraction InteractionFor(AccessAction action) => action switch
    {
        AccessAction.Create => FhirInteraction.Create,
        AccessAction.Update => FhirInteraction.Update,
        AccessAction.Delete => FhirInteraction.Delete,
        AccessAction.Search => FhirInteraction.Search,
        _ => FhirInteraction.Read,
    };

    private sealed class ScopeCheck(CallerContext caller) : IScopeCheck
    {
        public bool Permits(string resourceType, AccessAction action) => action switch
        {
            // A bulk export reads and searches every resource of the types it writes out.
            AccessAction.Export => caller.Permits(resourceType, FhirInteraction.Read) && caller.Permits(resourceType, FhirInteraction.Search),
            _ => caller.Permits(resourceType, InteractionFor(action)),
        };

        public string RequiredScope(string resourceType, AccessAction action) =>
            action == AccessAction.Export
                ? SmartScope.ForResource(caller.NaturalContext, resourceType, SmartPermissions.Read | SmartPermissions.Search).Text
                : caller.RequiredScope(resourceType, InteractionFor(action)).Text;
    }
}
