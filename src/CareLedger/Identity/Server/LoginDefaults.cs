namespace CareLedger.Identity.Server;

/// <summary>The sign-in session of the login page: a cookie only the /connect endpoints see.</summary>
internal static class LoginDefaults
{
    public const string Scheme = "CareLedger.Login";
    public const string CookieName = "careledger.login";
    public const string CookiePath = "/connect";
}
