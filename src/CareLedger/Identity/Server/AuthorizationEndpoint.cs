using CareLedger.Identity.Accounts;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CareLedger.Identity.Server;

/// <summary>
/// /connect/authorize after OpenIddict has checked the client, redirect URI and PKCE: sends the person to the login
/// page if they are not signed in, then grants the scopes their role and the app allow. No consent screen: apps are
/// registered by the operator, and what data an app may see is decided per request by the patient's consent.
/// </summary>
internal static class AuthorizationEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext context, IdentityStore store, TokenPrincipals principals, IssuerResolver issuer)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("the OpenID Connect request is missing: is the endpoint passthrough enabled?");

        // SMART: the app names the FHIR server it wants a token for; a token for another server must not be issued here.
        if ((string?)request["aud"] is { } audience && !SameUrl(audience, issuer.FhirBaseUrl))
        {
            return ServerResults.Reject(Errors.InvalidRequest, $"aud '{audience}' is not this node's FHIR base URL {issuer.FhirBaseUrl.AbsoluteUri.TrimEnd('/')}");
        }

        var login = await context.AuthenticateAsync(LoginDefaults.Scheme);
        var account = login.Succeeded && login.Principal.GetClaim(Claims.Subject) is { } subject
            ? await store.FindByIdAsync(subject, context.RequestAborted)
            : null;
        if (account is null)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return ServerResults.Reject(Errors.LoginRequired, "the user is not signed in");
            }

            var parameters = context.Request.HasFormContentType
                ? (IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>>)await context.Request.ReadFormAsync(context.RequestAborted)
                : context.Request.Query;
            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = context.Request.PathBase + context.Request.Path + QueryString.Create(parameters) },
                [LoginDefaults.Scheme]);
        }

        var client = await store.FindClientAsync(request.ClientId!, context.RequestAborted);
        if (client is not { Kind: ClientKind.App })
        {
            return ServerResults.Reject(Errors.UnauthorizedClient, "this client is not registered as an app that people sign in to");
        }

        var requested = ScopeGrants.Read(request.GetScopes(), out var error);
        if (error is not null)
        {
            return ServerResults.Reject(Errors.InvalidScope, error);
        }

        var granted = ScopeGrants.ForUser(requested, account, client);
        if (granted.Count == 0)
        {
            return ServerResults.Reject(Errors.InvalidScope,
                $"none of the requested scopes can be granted to a {account.Role.ToName()} through this app");
        }

        return ServerResults.Issue(principals.ForUser(account, granted));
    }

    private static bool SameUrl(string text, Uri expected) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri)
        && string.Equals(uri.AbsoluteUri.TrimEnd('/'), expected.AbsoluteUri.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);
}
