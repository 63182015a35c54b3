using Microsoft.AspNetCore.Authentication;
using OpenIddict.Validation.AspNetCore;

namespace CareLedger.Identity.Api;

/// <summary>Validates the request's bearer token (OpenIddict validation against this node's own server) into a <see cref="CallerContext"/>.</summary>
public static class CallerAuthentication
{
    /// <summary>The caller, or the 401 to answer with.</summary>
    public static async Task<(CallerContext? Caller, OperationOutcomeResult? Failure)> AuthenticateAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        if (result.Succeeded)
        {
            return CallerContext.FromPrincipal(result.Principal) is { } caller
                ? (caller, null)
                : (null, OperationOutcomeResult.Unauthorized("invalid_token", "the access token was not issued for a CareLedger account (no sub or role claim)"));
        }

        var error = result.Properties?.GetString(OpenIddictValidationAspNetCoreConstants.Properties.Error);
        var description = result.Properties?.GetString(OpenIddictValidationAspNetCoreConstants.Properties.ErrorDescription);
        if (result.None || error == "missing_token")
        {
            return (null, OperationOutcomeResult.Unauthorized(null, "no access token: send 'Authorization: Bearer <token>' from the node's token endpoint"));
        }

        return (null, OperationOutcomeResult.Unauthorized(error ?? "invalid_token", $"the access token was rejected: {description ?? result.Failure?.Message ?? "invalid token"}"));
    }
}
