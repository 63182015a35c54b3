using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CareLedger.Identity.Server;

/// <summary>
/// Access tokens are signed ES256 with the node's P-256 key, everything else RS256 (docs/adr/0014-es256-access-tokens.md):
/// a bearer token travels with every request, and an ES256 signature is 86 base64url characters where RS256's is 342.
/// </summary>
internal static class AccessTokenSigning
{
    public static void Configure(OpenIddictServerBuilder server, ECDsaSecurityKey key)
    {
        var credentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256);

        // Right after OpenIddict picked its default (the first key, RSA) for the token being made.
        server.AddEventHandler<OpenIddictServerEvents.GenerateTokenContext>(handler => handler
            .UseInlineHandler(context =>
            {
                if (context.TokenType == TokenTypeIdentifiers.AccessToken)
                {
                    context.SigningCredentials = credentials;
                }

                return default;
            })
            .SetOrder(OpenIddictServerHandlers.Protection.AttachSecurityCredentials.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom));

        // Discovery lists the algorithms of all signing keys as ID token algorithms; ID tokens are only ever RS256.
        server.AddEventHandler<OpenIddictServerEvents.HandleConfigurationRequestContext>(handler => handler
            .UseInlineHandler(context =>
            {
                context.IdTokenSigningAlgorithms.Remove(SecurityAlgorithms.EcdsaSha256);
                return default;
            })
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachSigningAlgorithms.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom));
    }
}
