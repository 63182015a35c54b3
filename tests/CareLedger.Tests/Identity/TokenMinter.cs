using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CareLedger.Tests.Identity;

/// <summary>
/// Makes access tokens the node did not issue through its endpoints: with the node's own key (to vary one thing
/// at a time: expiry, audience, issuer) or with a stranger's key (a forgery).
/// </summary>
internal static class TokenMinter
{
    public static RsaSecurityKey NodeKey(string dataDirectory)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(Path.Combine(dataDirectory, "keys", "identity-signing.pem")));
        var key = new RsaSecurityKey(rsa);
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return key;
    }

    /// <summary>A different key that claims to be the node's (same key id).</summary>
    public static RsaSecurityKey ForgedKey(string dataDirectory) =>
        new(RSA.Create(2048)) { KeyId = NodeKey(dataDirectory).KeyId };

    /// <summary>The node's P-256 key, which signs the access tokens its token endpoint issues (ES256, ADR 0014).</summary>
    public static ECDsaSecurityKey AccessKey(string dataDirectory)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(File.ReadAllText(Path.Combine(dataDirectory, "keys", "identity-access-signing.pem")));
        var key = new ECDsaSecurityKey(ecdsa);
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return key;
    }

    /// <summary>A different P-256 key that claims to be the node's access-token key (same key id).</summary>
    public static ECDsaSecurityKey ForgedAccessKey(string dataDirectory) =>
        new(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = AccessKey(dataDirectory).KeyId };

    /// <summary>The node's key of an algorithm ("RS256" or "ES256"), or a forgery of it.</summary>
    public static SecurityKey KeyFor(string algorithm, string dataDirectory, bool forged = false) => (algorithm, forged) switch
    {
        ("RS256", false) => NodeKey(dataDirectory),
        ("RS256", true) => ForgedKey(dataDirectory),
        ("ES256", false) => AccessKey(dataDirectory),
        ("ES256", true) => ForgedAccessKey(dataDirectory),
        _ => throw new ArgumentException($"no node key for {algorithm}", nameof(algorithm)),
    };

    /// <summary>ES256 for an EC key, RS256 for an RSA key.</summary>
    public static SigningCredentials Credentials(SecurityKey key) =>
        new(key, key is ECDsaSecurityKey ? SecurityAlgorithms.EcdsaSha256 : SecurityAlgorithms.RsaSha256);

    public static string Mint(SecurityKey key, string issuer, string audience, DateTime notBefore, DateTime expires,
        string scope = "system/Observation.rs", string subject = IdentityHostFixture.SystemClient)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            NotBefore = notBefore,
            IssuedAt = notBefore,
            Expires = expires,
            TokenType = "at+jwt",
            SigningCredentials = Credentials(key),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = subject,
                ["role"] = "system",
                ["scope"] = scope,
                ["client_id"] = subject,
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>A token of the node's own key for a person or system in a role, as the token endpoint would issue it.</summary>
    public static string MintFor(SecurityKey key, string issuer, string audience, string subject, string role, string scope,
        string? fhirUser = null, string? patient = null, string? organisation = null)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = subject,
            ["role"] = role,
            ["scope"] = scope,
            ["client_id"] = "matrix-app",
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        if (fhirUser is not null)
        {
            claims["fhirUser"] = fhirUser;
        }

        if (patient is not null)
        {
            claims["patient"] = patient;
        }

        if (organisation is not null)
        {
            claims["organisation"] = organisation;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            NotBefore = now.AddMinutes(-1),
            IssuedAt = now.AddMinutes(-1),
            Expires = now.AddMinutes(30),
            TokenType = "at+jwt",
            SigningCredentials = Credentials(key),
            Claims = claims,
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
