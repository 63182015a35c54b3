using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CareLedger.Cli;

/// <summary>
/// A person's access token from a running node, obtained as a SMART app obtains one: authorization code with PKCE
/// through the node's login page, this class playing the browser (the same steps as scripts/demo-token.sh). For load
/// commands that must act as a clinician over HTTP; the app must be a registered public client with this redirect URI.
/// </summary>
internal static partial class CodeFlowSignIn
{
    public static async Task<string> AccessTokenAsync(Uri baseUrl, string clientId, Uri redirectUri, string scope, string userName, string password, CancellationToken ct)
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseCookies = true };
        using var http = new HttpClient(handler) { BaseAddress = baseUrl };
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var authorize = $"/connect/authorize?response_type=code&client_id={Uri.EscapeDataString(clientId)}&redirect_uri={Uri.EscapeDataString(redirectUri.AbsoluteUri)}" +
            $"&scope={Uri.EscapeDataString(scope)}&state=bench&code_challenge={challenge}&code_challenge_method=S256";

        using var toLogin = await http.GetAsync(new Uri(authorize, UriKind.Relative), ct);
        var login = toLogin.Headers.Location ?? throw new CliException($"the node did not send the authorization request to its login page ({(int)toLogin.StatusCode})");
        var page = await http.GetStringAsync(login, ct);
        var field = HiddenField().Matches(page).Select(m => (Name: WebUtility.HtmlDecode(m.Groups[1].Value), Value: WebUtility.HtmlDecode(m.Groups[2].Value)))
            .FirstOrDefault(f => f.Name != "returnUrl");
        if (field.Name is null)
        {
            throw new CliException("the login page has no antiforgery field");
        }

        using var signIn = await http.PostAsync(new Uri("/connect/login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [field.Name] = field.Value,
            ["returnUrl"] = authorize,
            ["username"] = userName,
            ["password"] = password,
        }), ct);
        if (signIn.StatusCode != HttpStatusCode.Redirect)
        {
            throw new CliException($"signing in as {userName} failed ({(int)signIn.StatusCode})");
        }

        using var back = await http.GetAsync(new Uri(authorize, UriKind.Relative), ct);
        var code = back.Headers.Location?.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).FirstOrDefault(p => p[0] == "code") is { Length: 2 } pair
            ? Uri.UnescapeDataString(pair[1])
            : throw new CliException($"no authorization code came back ({(int)back.StatusCode})");
        using var token = await http.PostAsync(new Uri("/connect/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri.AbsoluteUri,
            ["code_verifier"] = verifier,
        }), ct);
        var body = await token.Content.ReadAsStringAsync(ct);
        return token.IsSuccessStatusCode
            ? JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!
            : throw new CliException($"the token request failed ({(int)token.StatusCode}): {body}");
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenField();
}
