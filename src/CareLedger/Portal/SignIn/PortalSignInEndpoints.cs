using System.Net;
using System.Text.Json;
using CareLedger.Identity.Accounts;
using CareLedger.Identity.Api;
using CareLedger.Identity.Server;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using OpenIddict.Abstractions;
using OpenIddict.Validation;

namespace CareLedger.Portal.SignIn;

/// <summary>
/// Sign-in to the portal through the node's own authorisation server: authorization code with PKCE (S256), the code
/// redeemed over the back channel, and the access token validated by the node's own validation (issuer, signature,
/// audience, lifetime) before its claims become the portal session.
/// </summary>
internal static class PortalSignInEndpoints
{
    public const string HttpClientName = "careledger-portal-token";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(PortalClient.SignInPath, Start);
        endpoints.MapGet(PortalClient.CallbackPath, CallbackAsync);
        endpoints.MapPost(PortalClient.SignOutPath, SignOutAsync);
    }

    private static IResult Start(HttpContext context, IDataProtectionProvider protection, IssuerResolver issuer, string? returnUrl)
    {
        var pending = PendingSignIn.Start(returnUrl ?? PortalAuthentication.CookiePath);
        context.Response.Cookies.Append(PortalAuthentication.PendingCookieName, pending.Protect(protection), PendingCookie(context));
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = PortalClient.ClientId,
            ["redirect_uri"] = RedirectUri(issuer),
            ["scope"] = PortalClient.RequestedScopes,
            ["state"] = pending.State,
            ["code_challenge"] = pending.CodeChallenge,
            ["code_challenge_method"] = "S256",
        };
        return Results.Redirect(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(context.Request.PathBase.Add(IdentityRoutes.Authorize).Value!, query));
    }

    private static async Task<IResult> CallbackAsync(HttpContext context, IDataProtectionProvider protection, IssuerResolver issuer,
        IHttpClientFactory http, IdentityStore store, OpenIddictValidationService validation)
    {
        var ct = context.RequestAborted;
        var query = context.Request.Query;
        var pending = PendingSignIn.Unprotect(protection, context.Request.Cookies[PortalAuthentication.PendingCookieName]);
        context.Response.Cookies.Delete(PortalAuthentication.PendingCookieName, PendingCookie(context));
        if (query["error"].FirstOrDefault() is { } error)
        {
            return Problem($"Sign-in did not complete ({error}): {query["error_description"].FirstOrDefault() ?? "the sign-in server gave no reason"}.");
        }

        if (pending is null || !string.Equals(pending.State, query["state"].FirstOrDefault(), StringComparison.Ordinal))
        {
            return Problem("This sign-in expired or was started in another window. Please sign in again.");
        }

        if (query["code"].FirstOrDefault() is not { Length: > 0 } code)
        {
            return Problem("The sign-in server sent no authorization code. Please sign in again.");
        }

        using var client = http.CreateClient(HttpClientName);
        using var response = await client.PostAsync(issuer.Endpoint(IdentityRoutes.Token.TrimStart('/')), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = RedirectUri(issuer),
            ["client_id"] = PortalClient.ClientId,
            ["code_verifier"] = pending.CodeVerifier,
        }), ct);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        if (response.StatusCode != HttpStatusCode.OK || !body.RootElement.TryGetProperty("access_token", out var tokenElement) || tokenElement.GetString() is not { } token)
        {
            var reason = body.RootElement.TryGetProperty("error_description", out var d) ? d.GetString() : null;
            return Problem($"The sign-in server did not issue a token: {reason ?? response.StatusCode.ToString()}. Please sign in again.");
        }

        var principal = await validation.ValidateAccessTokenAsync(token, ct);
        if (CallerContext.FromPrincipal(principal) is not { } caller || caller.IsSystem)
        {
            return Problem("The token is not a person's: the portal is for people signing in with their account.");
        }

        var account = await store.FindByIdAsync(caller.Subject, ct);
        var expires = principal.GetExpirationDate() ?? DateTimeOffset.UtcNow.AddMinutes(15);
        await context.SignInAsync(PortalAuthentication.Scheme, PortalUser.ToPrincipal(caller, account?.UserName ?? caller.Subject),
            new AuthenticationProperties { IsPersistent = false, ExpiresUtc = expires, AllowRefresh = false });
        return Results.Redirect(pending.ReturnUrl);
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Problem("The sign-out form expired. Please try again from the portal.");
        }

        await context.SignOutAsync(PortalAuthentication.Scheme);
        return Results.Redirect(PortalAuthentication.CookiePath);
    }

    private static string RedirectUri(IssuerResolver issuer) => issuer.Endpoint(PortalClient.CallbackPath.TrimStart('/')).AbsoluteUri;

    private static CookieOptions PendingCookie(HttpContext context) => new()
    {
        Path = PortalClient.SignInPath,
        HttpOnly = true,
        SameSite = SameSiteMode.Lax,
        Secure = context.Request.IsHttps,
        MaxAge = PortalAuthentication.PendingLifetime,
    };

    private static IResult Problem(string message) => Results.Content(
        $"""
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <title>Sign-in problem · CareLedger</title></head>
        <body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b">
        <h1>Sign-in problem</h1><p role="alert">{WebUtility.HtmlEncode(message)}</p><p><a href="{PortalClient.SignInPath}">Sign in again</a></p></body></html>
        """,
        "text/html; charset=utf-8",
        statusCode: StatusCodes.Status400BadRequest);
}
