using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Server.AspNetCore;

namespace CareLedger.Identity.Server;

/// <summary>Hands a decision back to OpenIddict, which answers in the protocol's own form (redirect or JSON).</summary>
internal static class ServerResults
{
    public static IResult Issue(ClaimsPrincipal principal, AuthenticationProperties? properties = null) =>
        Results.SignIn(principal, properties, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);

    public static IResult Reject(string error, string description) =>
        Results.Forbid(
            new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            }),
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
