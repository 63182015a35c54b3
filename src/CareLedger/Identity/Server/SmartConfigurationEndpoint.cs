using System.Text.Json.Nodes;

namespace CareLedger.Identity.Server;

/// <summary>/.well-known/smart-configuration: SMART App Launch v2 discovery, beside OpenID Connect discovery.</summary>
internal static class SmartConfigurationEndpoint
{
    public static readonly string[] Capabilities =
    [
        "launch-standalone",
        "client-public",
        "client-confidential-symmetric",
        "client-confidential-asymmetric",
        "sso-openid-connect",
        "context-standalone-patient",
        "permission-offline",
        "permission-patient",
        "permission-user",
        "permission-v1",
        "permission-v2",
    ];

    public static readonly string[] GrantTypes = ["authorization_code", "client_credentials", "refresh_token"];

    public static readonly string[] ScopesSupported =
    [
        "openid", "fhirUser", "launch/patient", "offline_access",
        "patient/*.cruds", "user/*.cruds", "system/*.cruds",
        "patient/*.rs", "user/*.rs", "system/*.rs",
    ];

    public static IResult Handle(IssuerResolver issuer)
    {
        var document = new JsonObject
        {
            ["issuer"] = issuer.Issuer.AbsoluteUri,
            ["jwks_uri"] = issuer.Endpoint(IdentityRoutes.Jwks.TrimStart('/')).AbsoluteUri,
            ["authorization_endpoint"] = issuer.Endpoint(IdentityRoutes.Authorize.TrimStart('/')).AbsoluteUri,
            ["token_endpoint"] = issuer.Endpoint(IdentityRoutes.Token.TrimStart('/')).AbsoluteUri,
            ["grant_types_supported"] = Array(GrantTypes),
            // private_key_jwt: consortium members' nodes (ADR 0009), as SMART Backend Services clients do.
            ["token_endpoint_auth_methods_supported"] = Array(["client_secret_basic", "client_secret_post", "private_key_jwt"]),
            ["token_endpoint_auth_signing_alg_values_supported"] = Array(["ES256", "RS256"]),
            ["scopes_supported"] = Array(ScopesSupported),
            ["response_types_supported"] = Array(["code"]),
            ["code_challenge_methods_supported"] = Array(["S256"]),
            ["capabilities"] = Array(Capabilities),
        };
        return Results.Text(document.ToJsonString(), "application/json; charset=utf-8");
    }

    private static JsonArray Array(string[] values) => [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
}
