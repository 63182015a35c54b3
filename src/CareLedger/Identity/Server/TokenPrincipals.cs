using System.Security.Claims;
using CareLedger.Identity.Accounts;
using CareLedger.Identity.Scopes;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CareLedger.Identity.Server;

/// <summary>Builds the principal OpenIddict turns into tokens, and decides which claim goes into which token.</summary>
internal sealed class TokenPrincipals(IssuerResolver issuer, IdentityOptions options)
{
    public ClaimsPrincipal ForUser(UserAccount account, ScopeSet granted)
    {
        var identity = NewIdentity(account.Id, account.Role);
        if (account.Reference is { } reference)
        {
            identity.SetClaim(TokenClaims.FhirUser, FhirUserUrl(reference));
        }

        if (account.PatientId is { } patient && GrantsPatientContext(granted))
        {
            identity.SetClaim(TokenClaims.Patient, patient);
        }

        return Finish(identity, granted);
    }

    public ClaimsPrincipal ForClient(ClientAccount client, ScopeSet granted)
    {
        var identity = NewIdentity(client.ClientId, CareLedgerRole.System, client.MemberOrganisation);
        if (client.Reference is { } reference)
        {
            identity.SetClaim(TokenClaims.FhirUser, FhirUserUrl(reference));
        }

        return Finish(identity, granted);
    }

    /// <summary>A patient-context token: one with patient/* scopes or launch/patient.</summary>
    public static bool GrantsPatientContext(ScopeSet granted) =>
        granted.HasContext(SmartContext.Patient) || granted.Has(SmartScopeKind.LaunchPatient);

    private string FhirUserUrl(FhirReference reference) => issuer.FhirBaseUrl.AbsoluteUri.TrimEnd('/') + "/" + reference;

    /// <param name="organisation">Another member's organisation for its node's tokens; null for this node's own.</param>
    private ClaimsIdentity NewIdentity(string subject, CareLedgerRole role, string? organisation = null)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, subject);
        identity.SetClaim(TokenClaims.Role, role.ToName());
        if ((organisation ?? options.Organisation) is { } named)
        {
            identity.SetClaim(TokenClaims.Organisation, named);
        }

        return identity;
    }

    private ClaimsPrincipal Finish(ClaimsIdentity identity, ScopeSet granted)
    {
        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(granted.Texts);
        principal.SetAudiences(issuer.FhirBaseUrl.AbsoluteUri);
        var identityTokenGetsFhirUser = granted.Has(SmartScopeKind.FhirUser);
        identity.SetDestinations(claim => claim.Type switch
        {
            Claims.Subject => [Destinations.AccessToken, Destinations.IdentityToken],
            TokenClaims.FhirUser when identityTokenGetsFhirUser => [Destinations.AccessToken, Destinations.IdentityToken],
            TokenClaims.FhirUser or TokenClaims.Role or TokenClaims.Patient or TokenClaims.Organisation => [Destinations.AccessToken],
            _ => [],
        });
        return principal;
    }
}
