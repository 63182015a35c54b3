using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace CareLedger.Portal.SignIn;

/// <summary>
/// A sign-in in progress: the OAuth state, the PKCE verifier and where to go afterwards, kept in a protected,
/// short-lived cookie that only the sign-in paths see.
/// </summary>
internal sealed record PendingSignIn(string State, string CodeVerifier, string ReturnUrl)
{
    private const string Purpose = "CareLedger.Portal.PendingSignIn";

    public static PendingSignIn Start(string returnUrl) =>
        new(Base64Url(RandomNumberGenerator.GetBytes(32)), Base64Url(RandomNumberGenerator.GetBytes(32)), PortalAuthentication.SafeReturnUrl(returnUrl));

    /// <summary>RFC 7636 S256: BASE64URL(SHA-256(ASCII(code_verifier))).</summary>
    public string CodeChallenge => Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(CodeVerifier)));

    public string Protect(IDataProtectionProvider protection) =>
        Protector(protection).Protect(JsonSerializer.Serialize(this), PortalAuthentication.PendingLifetime);

    public static PendingSignIn? Unprotect(IDataProtectionProvider protection, string? cookie)
    {
        if (string.IsNullOrEmpty(cookie))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<PendingSignIn>(Protector(protection).Unprotect(cookie));
        }
        catch (CryptographicException)
        {
            // Expired, or not ours: the sign-in starts again.
            return null;
        }
    }

    private static ITimeLimitedDataProtector Protector(IDataProtectionProvider protection) =>
        protection.CreateProtector(Purpose).ToTimeLimitedDataProtector();

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
