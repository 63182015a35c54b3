using System.Security.Claims;
using CareLedger.Identity.Accounts;
using CareLedger.Identity.Scopes;
using CareLedger.Identity.Server;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CareLedger.Identity.Api;

/// <summary>
/// Who is calling, as the access layer needs it: built from a validated access token, never from anything the
/// caller could set otherwise.
/// </summary>
/// <param name="Subject">The token's <c>sub</c>: an account id for a person, the client id for a system.</param>
/// <param name="Reference">The FHIR resource the caller acts as (<c>Patient/123</c>, <c>Practitioner/abc</c>, <c>RelatedPerson/x</c>).</param>
/// <param name="Organisation">The member organisation whose node issued the token.</param>
/// <param name="PatientId">The patient in context (patient-context tokens only).</param>
/// <param name="ClientId">The app or system the token was issued to.</param>
public sealed record CallerContext(
    string Subject,
    CareLedgerRole Role,
    FhirReference? Reference,
    string? Organisation,
    string? PatientId,
    ScopeSet Scopes,
    string? ClientId)
{
    public bool IsSystem => Role == CareLedgerRole.System;

    public bool Permits(string resourceType, FhirInteraction interaction, string? category = null) =>
        Scopes.Permits(resourceType, interaction, category);

    /// <summary>The context this caller's scopes would normally be in: system for systems, patient with a patient in context, else user.</summary>
    public SmartContext NaturalContext =>
        IsSystem ? SmartContext.System : PatientId is not null && Scopes.HasContext(SmartContext.Patient) ? SmartContext.Patient : SmartContext.User;

    /// <summary>The scope that would permit the interaction, to name in a 403.</summary>
    public SmartScope RequiredScope(string resourceType, FhirInteraction interaction) =>
        SmartScope.ForResource(NaturalContext, resourceType, SmartPermissionLetters.For(interaction));

    /// <summary>Reads a principal that OpenIddict validated; null when it lacks what every CareLedger token carries.</summary>
    public static CallerContext? FromPrincipal(ClaimsPrincipal principal)
    {
        var subject = principal.GetClaim(Claims.Subject);
        if (subject is null || !CareLedgerRoles.TryParse(principal.GetClaim(TokenClaims.Role), out var role))
        {
            return null;
        }

        var reference = FhirReference.TryFromUrl(principal.GetClaim(TokenClaims.FhirUser), out var r) ? r : (FhirReference?)null;
        return new CallerContext(
            subject,
            role,
            reference,
            principal.GetClaim(TokenClaims.Organisation),
            principal.GetClaim(TokenClaims.Patient),
            ScopeSet.Parse(principal.GetScopes(), out _),
            principal.GetClaim(Claims.ClientId) ?? principal.GetClaim(Claims.AuthorizedParty));
    }
}
