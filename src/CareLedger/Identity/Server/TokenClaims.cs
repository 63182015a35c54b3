namespace CareLedger.Identity.Server;

/// <summary>The claims CareLedger writes into its tokens besides the standard ones (sub, scope, aud, client_id).</summary>
public static class TokenClaims
{
    /// <summary>The account's role, e.g. <c>patient</c> or <c>privacy-officer</c> (see CareLedgerRoles).</summary>
    public const string Role = "role";

    /// <summary>SMART: the absolute URL of the FHIR resource the caller acts as.</summary>
    public const string FhirUser = "fhirUser";

    /// <summary>SMART launch context: the id of the patient the token is about.</summary>
    public const string Patient = "patient";

    /// <summary>The member organisation whose node issued the token.</summary>
    public const string Organisation = "organisation";
}
