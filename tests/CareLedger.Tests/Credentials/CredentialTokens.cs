using CareLedger.Tests.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CareLedger.Tests.Credentials;

/// <summary>Access tokens for people of a given role, signed with the node's own token key (as its token endpoint would).</summary>
internal static class CredentialTokens
{
    public static string Mint(string dataDirectory, Uri issuer, string role, string fhirUser)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer.AbsoluteUri,
            Audience = new Uri(issuer, "fhir").AbsoluteUri,
            NotBefore = now.AddMinutes(-1),
            IssuedAt = now.AddMinutes(-1),
            Expires = now.AddMinutes(5),
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(TokenMinter.NodeKey(dataDirectory), SecurityAlgorithms.RsaSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = $"{role}-account",
                ["role"] = role,
                ["fhirUser"] = fhirUser,
                ["scope"] = "openid fhirUser",
                ["client_id"] = "portal",
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
