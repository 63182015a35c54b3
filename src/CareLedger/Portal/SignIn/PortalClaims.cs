namespace CareLedger.Portal.SignIn;

/// <summary>The claims of the portal session cookie (copied from the validated access token at sign-in).</summary>
internal static class PortalClaims
{
    public const string Subject = "sub";
    public const string UserName = "name";
    public const string Role = "role";
    public const string FhirUser = "fhirUser";
    public const string Patient = "patient";
    public const string Organisation = "organisation";
    public const string Scope = "scope";
}
