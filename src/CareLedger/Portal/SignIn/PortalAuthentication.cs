namespace CareLedger.Portal.SignIn;

/// <summary>The portal's own session: a cookie holding who signed in, as the node's token said.</summary>
internal static class PortalAuthentication
{
    public const string Scheme = "CareLedger.Portal";

    public const string CookieName = "careledger.portal";

    public const string CookiePath = "/portal";

    /// <summary>Holds the state and PKCE verifier of a sign-in in progress, only on the sign-in paths.</summary>
    public const string PendingCookieName = "careledger.portal.signin";

    public static readonly TimeSpan PendingLifetime = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A return address inside the portal only: anything else (another site, "//host", a backslash trick) would
    /// make sign-in an open redirect.
    /// </summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url
        && url.StartsWith(CookiePath, StringComparison.Ordinal)
        && !url.Contains("//", StringComparison.Ordinal)
        && !url.Contains('\\', StringComparison.Ordinal)
            ? url
            : CookiePath;
}
