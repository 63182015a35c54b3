using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.IdentityModel.Tokens;

namespace CareLedger.Tests.Identity;

/// <summary>What an OAuth client does, over real HTTP: token requests, and the browser's part of the code flow.</summary>
internal static partial class OAuthFlows
{
    public static async Task<HttpResponseMessage> ClientCredentialsAsync(HttpClient http, string clientId, string secret, string? scope)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(secret)}")));
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (scope is not null)
        {
            form["scope"] = scope;
        }

        request.Content = new FormUrlEncodedContent(form);
        return await http.SendAsync(request);
    }

    public static async Task<string> AccessTokenAsync(HttpClient http, string clientId, string secret, string scope)
    {
        using var response = await ClientCredentialsAsync(http, clientId, secret, scope);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    public static async Task<HttpResponseMessage> GetProtectedAsync(HttpClient http, string? accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, IdentityTestHost.ProtectedPath);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return await http.SendAsync(request);
    }

    public static (string Verifier, string Challenge) NewPkce()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    public static string AuthorizeUrl(string clientId, Uri redirectUri, string scope, string state, string? codeChallenge, string? audience)
    {
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("response_type", "code"),
            new("client_id", clientId),
            new("redirect_uri", redirectUri.AbsoluteUri),
            new("scope", scope),
            new("state", state),
        };
        if (codeChallenge is not null)
        {
            parameters.Add(new("code_challenge", codeChallenge));
            parameters.Add(new("code_challenge_method", "S256"));
        }

        if (audience is not null)
        {
            parameters.Add(new("aud", audience));
        }

        return "connect/authorize?" + string.Join("&", parameters.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"));
    }

    /// <summary>The login page the authorization request was redirected to, with its form's hidden fields.</summary>
    public sealed record LoginForm(string ReturnUrl, string AntiforgeryField, string AntiforgeryToken);

    public static async Task<LoginForm> FollowToLoginFormAsync(HttpClient http, string authorizeUrl)
    {
        using var authorize = await http.GetAsync(authorizeUrl);
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        var login = authorize.Headers.Location!;
        Assert.Equal("/connect/login", login.IsAbsoluteUri ? login.AbsolutePath : login.OriginalString.Split('?')[0]);

        using var page = await http.GetAsync(login);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return ReadForm(html);
    }

    public static LoginForm ReadForm(string html)
    {
        var fields = HiddenField().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
        var antiforgery = fields.Keys.Single(k => k != "returnUrl");
        return new LoginForm(fields["returnUrl"], antiforgery, fields[antiforgery]);
    }

    public static async Task<HttpResponseMessage> SubmitLoginAsync(HttpClient http, LoginForm form, string userName, string password) =>
        await http.PostAsync("connect/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [form.AntiforgeryField] = form.AntiforgeryToken,
            ["returnUrl"] = form.ReturnUrl,
            ["username"] = userName,
            ["password"] = password,
        }));

    /// <summary>The whole browser part: authorize → login page → form → back to authorize → redirect with a code.</summary>
    public static async Task<Uri> SignInForRedirectAsync(HttpClient http, string authorizeUrl, string userName, string password)
    {
        var form = await FollowToLoginFormAsync(http, authorizeUrl);
        using var submitted = await SubmitLoginAsync(http, form, userName, password);
        Assert.Equal(HttpStatusCode.Redirect, submitted.StatusCode);
        Assert.Equal(form.ReturnUrl, submitted.Headers.Location!.OriginalString);

        using var back = await http.GetAsync(submitted.Headers.Location);
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        return back.Headers.Location!;
    }

    /// <summary>The token request that redeems the code carried by an authorization redirect.</summary>
    public static Dictionary<string, string> CodeExchange(Uri redirect, string clientId, Uri redirectUri, string codeVerifier) => new()
    {
        ["grant_type"] = "authorization_code",
        ["code"] = QueryOf(redirect)["code"],
        ["redirect_uri"] = redirectUri.AbsoluteUri,
        ["client_id"] = clientId,
        ["code_verifier"] = codeVerifier,
    };

    public static IReadOnlyDictionary<string, string> QueryOf(Uri uri) =>
        uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p.Length > 1 ? p[1].Replace('+', ' ') : ""));

    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostTokenAsync(HttpClient http, Dictionary<string, string> form)
    {
        using var response = await http.PostAsync("connect/token", new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>The claims of a JWT, read without validating it (the tests check what the node wrote).</summary>
    public static JsonElement Payload(string jwt)
    {
        var parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);
        return JsonDocument.Parse(Base64UrlEncoder.Decode(parts[1])).RootElement.Clone();
    }

    public static JsonElement Header(string jwt) =>
        JsonDocument.Parse(Base64UrlEncoder.Decode(jwt.Split('.')[0])).RootElement.Clone();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenField();
}
