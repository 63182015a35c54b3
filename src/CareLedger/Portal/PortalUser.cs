using System.Security.Claims;
using CareLedger.Access.Gate;
using CareLedger.Fhir;
using CareLedger.Identity.Accounts;
using CareLedger.Identity.Api;
using CareLedger.Identity.Scopes;
using CareLedger.Portal.SignIn;

namespace CareLedger.Portal;

/// <summary>
/// The person signed in to the portal, as the node's access token described them at sign-in (role, fhirUser, patient
/// in context, granted scopes). Every read and write of the portal goes to the access layer as this caller.
/// </summary>
internal sealed record PortalUser(string Subject, string UserName, CareLedgerRole Role, FhirReference? Reference, string? PatientId, string? Organisation, ScopeSet Scopes)
{
    public CallerContext Caller => new(Subject, Role, Reference, Organisation, PatientId, Scopes, PortalClient.ClientId);

    public Accessor Accessor => Caller.ToAccessor();

    /// <summary>The caller of one portal request; the request id ties its audit records together.</summary>
    public FhirCaller FhirCaller(string requestId) => new(Accessor, new AccessContext(RequestId: requestId));

    /// <summary>The patient a patient-role user is (their own record), else null.</summary>
    public string? OwnPatientId => Role == CareLedgerRole.Patient && Reference is { ResourceType: "Patient" } self ? self.Id : null;

    public static PortalUser? From(ClaimsPrincipal principal)
    {
        if (principal.Identity is not { IsAuthenticated: true, AuthenticationType: PortalAuthentication.Scheme }
            || principal.FindFirst(PortalClaims.Subject)?.Value is not { } subject
            || !CareLedgerRoles.TryParse(principal.FindFirst(PortalClaims.Role)?.Value, out var role))
        {
            return null;
        }

        var reference = FhirReference.TryParse(principal.FindFirst(PortalClaims.FhirUser)?.Value, out var r, out _) ? r : (FhirReference?)null;
        return new PortalUser(
            subject,
            principal.FindFirst(PortalClaims.UserName)?.Value ?? subject,
            role,
            reference,
            principal.FindFirst(PortalClaims.Patient)?.Value,
            principal.FindFirst(PortalClaims.Organisation)?.Value,
            ScopeSet.Parse(principal.FindFirst(PortalClaims.Scope)?.Value));
    }

    /// <summary>The session's claims, from a caller the node's validation accepted.</summary>
    public static ClaimsPrincipal ToPrincipal(CallerContext caller, string userName)
    {
        var identity = new ClaimsIdentity(PortalAuthentication.Scheme, PortalClaims.UserName, PortalClaims.Role);
        identity.AddClaim(new Claim(PortalClaims.Subject, caller.Subject));
        identity.AddClaim(new Claim(PortalClaims.UserName, userName));
        identity.AddClaim(new Claim(PortalClaims.Role, caller.Role.ToName()));
        identity.AddClaim(new Claim(PortalClaims.Scope, caller.Scopes.ToString()));
        if (caller.Reference is { } reference)
        {
            identity.AddClaim(new Claim(PortalClaims.FhirUser, reference.ToString()));
        }

        if (caller.PatientId is { } patient)
        {
            identity.AddClaim(new Claim(PortalClaims.Patient, patient));
        }

        if (caller.Organisation is { } organisation)
        {
            identity.AddClaim(new Claim(PortalClaims.Organisation, organisation));
        }

        return new ClaimsPrincipal(identity);
    }
}
