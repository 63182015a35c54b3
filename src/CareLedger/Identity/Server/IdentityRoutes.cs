namespace CareLedger.Identity.Server;

/// <summary>Where the identity feature answers, relative to the issuer.</summary>
internal static class IdentityRoutes
{
    public const string Login = "/connect/login";
    public const string Authorize = "/connect/authorize";
    public const string Token = "/connect/token";
    public const string SmartConfiguration = "/.well-known/smart-configuration";
    public const string OpenIdConfiguration = "/.well-known/openid-configuration";
    public const string Jwks = "/.well-known/jwks";
}
