namespace CareLedger.Portal.SignIn;

/// <summary>The portal as a client of the node's own authorisation server (authorization code + PKCE, public client).</summary>
internal static class PortalClient
{
    public const string ClientId = "careledger-portal";

    public const string SignInPath = "/portal/signin";

    public const string CallbackPath = "/portal/signin/callback";

    public const string SignOutPath = "/portal/signout";

    /// <summary>
    /// The most any portal user could use; the server narrows it to what the person's role allows, so one request serves
    /// every role (docs/identity.md).
    /// </summary>
    public const string RequestedScopes = "openid fhirUser launch/patient patient/*.rs patient/Consent.cruds user/*.cruds";
}
