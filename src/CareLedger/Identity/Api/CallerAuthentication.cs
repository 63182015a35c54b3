using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace CareLedger.Identity.Api;

/// <summary>Validates the request's bearer token (OpenIddict validation against this node's own server) into a <see cref="CallerContext"/>.</summary>
public static class CallerAuthentication
{
    /// <summary>The caller with the door's view of it (kept with the token in the cache), or the 401 to answer with.</summary>
    public static ValueTask<(ValidatedCaller? Caller, OperationOutcomeResult? Failure)> AuthenticateAsync(HttpContext context) =>
        AuthenticateAsync(context, context.RequestServices.GetService<ValidatedTokenCache>());

    /// <summary>
    /// <see cref="AuthenticateAsync(HttpContext)"/> with the host's token cache already in hand (a singleton, looked up once
    /// by a route when it is mapped instead of in the request's services on every request); null when the host has none.
    /// </summary>
    public static ValueTask<(ValidatedCaller? Caller, OperationOutcomeResult? Failure)> AuthenticateAsync(HttpContext context, ValidatedTokenCache? cache)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var token = BearerToken(header);
        // A token validated before: answered without an async state machine (the common case, every request but a
        // token's first).
        return !token.IsEmpty && cache is not null && cache.TryGet(token, out var known, header)
            ? ValueTask.FromResult<(ValidatedCaller?, OperationOutcomeResult?)>((known, null))
            : ValidateAsync(context, cache, header);
    }

    private static async ValueTask<(ValidatedCaller? Caller, OperationOutcomeResult? Failure)> ValidateAsync(HttpContext context, ValidatedTokenCache? cache,
        string header)
    {
        var result = await context.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        if (result.Succeeded)
        {
            if (CallerContext.FromPrincipal(result.Principal) is not { } principal)
            {
                return (null, OperationOutcomeResult.Unauthorized("invalid_token", "the access token was not issued for a CareLedger account (no sub or role claim)"));
            }

            var caller = new ValidatedCaller(principal);
            if (BearerToken(header) is { IsEmpty: false } token)
            {
                cache?.Add(token, caller, result.Principal.GetExpirationDate(), header);
            }

            return (caller, null);
        }

        var error = result.Properties?.GetString(OpenIddictValidationAspNetCoreConstants.Properties.Error);
        var description = result.Properties?.GetString(OpenIddictValidationAspNetCoreConstants.Properties.ErrorDescription);
        if (result.None || error == "missing_token")
        {
            return (null, OperationOutcomeResult.Unauthorized(null, "no access token: send 'Authorization: Bearer <token>' from the node's token endpoint"));
        }

        return (null, OperationOutcomeResult.Unauthorized(error ?? "invalid_token", $"the access token was rejected: {description ?? result.Failure?.Message ?? "invalid token"}"));
    }

    /// <summary>
    /// The token of an <c>Authorization: Bearer</c> header (the only place the node accepts one), as a slice of the
    /// header: empty when there is none.
    /// </summary>
    private static ReadOnlySpan<char> BearerToken(string header) =>
        header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header.AsSpan(7).Trim() : default;
}
