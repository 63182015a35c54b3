using CareLedger.Identity.Accounts;
using CareLedger.Identity.Scopes;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CareLedger.Identity.Server;

/// <summary>
/// /connect/token after OpenIddict has authenticated the client and checked the code, PKCE verifier or refresh
/// token: decides the principal. Codes and refresh tokens are re-checked against the account as it is now, so a
/// deleted account or a changed role takes effect at the next refresh.
/// </summary>
internal static class TokenEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext context, IdentityStore store, TokenPrincipals principals)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("the OpenID Connect request is missing: is the endpoint passthrough enabled?");
        var ct = context.RequestAborted;

        if (request.IsClientCredentialsGrantType())
        {
            var client = await store.FindClientAsync(request.ClientId!, ct);
            if (client is not { Kind: ClientKind.System })
            {
                return ServerResults.Reject(Errors.UnauthorizedClient, "only system clients may use client credentials");
            }

            var requested = ScopeGrants.Read(request.GetScopes(), out var error);
            if (error is not null)
            {
                return ServerResults.Reject(Errors.InvalidScope, error);
            }

            if (requested.Count == 0)
            {
                return ServerResults.Reject(Errors.InvalidScope, "ask for the scopes needed, e.g. scope=system/Patient.rs");
            }

            var granted = ScopeGrants.ForSystem(requested, client);
            return granted.Count == 0
                ? ServerResults.Reject(Errors.InvalidScope, $"none of the requested scopes is allowed; this client may have at most: {client.AllowedScopes}")
                : ServerResults.Issue(principals.ForClient(client, granted));
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            var previous = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
            var account = previous?.GetClaim(Claims.Subject) is { } subject ? await store.FindByIdAsync(subject, ct) : null;
            if (previous is null || account is null)
            {
                return ServerResults.Reject(Errors.InvalidGrant, "the account this grant was issued to no longer exists");
            }

            var client = await store.FindClientAsync(request.ClientId!, ct);
            if (client is not { Kind: ClientKind.App })
            {
                return ServerResults.Reject(Errors.UnauthorizedClient, "this client is not registered as an app that people sign in to");
            }

            // OpenIddict has already refused a refresh that asks for more than was granted; a narrower request narrows.
            var scopes = request.GetScopes().IsDefaultOrEmpty ? previous.GetScopes() : request.GetScopes();
            var granted = ScopeGrants.ForUser(ScopeGrants.Read(scopes, out _), account, client);
            if (granted.Count == 0)
            {
                return ServerResults.Reject(Errors.InvalidGrant, "the account may no longer be granted any of these scopes");
            }

            var principal = principals.ForUser(account, granted);
            principal.SetAuthorizationId(previous.GetAuthorizationId());
            var properties = new AuthenticationProperties();
            if (account.PatientId is { } patient && TokenPrincipals.GrantsPatientContext(granted))
            {
                // SMART launch context: the app learns whose record it is looking at from the token response.
                properties.Parameters[TokenClaims.Patient] = patient;
            }

            return ServerResults.Issue(principal, properties);
        }

        return ServerResults.Reject(Errors.UnsupportedGrantType, "supported grant types: authorization_code, client_credentials, refresh_token");
    }
}
