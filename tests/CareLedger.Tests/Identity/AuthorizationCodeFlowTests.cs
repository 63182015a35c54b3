using System.Net;
using System.Text.Json;
using static CareLedger.Tests.Identity.IdentityHostFixture;

namespace CareLedger.Tests.Identity;

/// <summary>Authorization code + PKCE through the login form, token exchange and refresh, over real HTTP.</summary>
[Collection(IdentityHostCollection.Name)]
public sealed class AuthorizationCodeFlowTests(IdentityHostFixture fixture)
{
    private const string PatientScopes = "openid fhirUser offline_access launch/patient patient/Observation.rs";

    private readonly IdentityTestHost _host = fixture.Host;

    [Fact]
    public async Task A_patient_signs_in_and_the_app_gets_a_patient_context_token_it_can_use_and_refresh()
    {
        using var http = _host.CreateClient();
        var (verifier, challenge) = OAuthFlows.NewPkce();
        var authorize = OAuthFlows.AuthorizeUrl(PublicApp, RedirectUri, PatientScopes, "state-1", challenge, _host.FhirBaseUrl.AbsoluteUri);

        var redirect = await OAuthFlows.SignInForRedirectAsync(http, authorize, PatientUser, PatientPassword);
        Assert.StartsWith(RedirectUri.AbsoluteUri, redirect.AbsoluteUri, StringComparison.Ordinal);
        var query = OAuthFlows.QueryOf(redirect);
        Assert.Equal("state-1", query["state"]);

        var (status, tokens) = await OAuthFlows.PostTokenAsync(http, new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = query["code"],
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["client_id"] = PublicApp,
            ["code_verifier"] = verifier,
        });
        Assert.True(status == HttpStatusCode.OK, tokens.ToString());
        Assert.Equal(PatientId, tokens.GetProperty("patient").GetString());
        Assert.Equal(PatientScopes.Split(' ').Order(), tokens.GetProperty("scope").GetString()!.Split(' ').Order());

        var account = await _host.Store.FindAsync(PatientUser);
        var access = OAuthFlows.Payload(tokens.GetProperty("access_token").GetString()!);
        Assert.Equal(account!.Id, access.GetProperty("sub").GetString());
        Assert.Equal("patient", access.GetProperty("role").GetString());
        Assert.Equal(PatientId, access.GetProperty("patient").GetString());
        Assert.Equal($"{_host.FhirBaseUrl.AbsoluteUri}/Patient/{PatientId}", access.GetProperty("fhirUser").GetString());
        Assert.Equal(PublicApp, access.GetProperty("client_id").GetString());

        // ADR 0014: the access token is ES256 with the node's P-256 key; the ID token stays RS256, which every OpenID
        // Connect client can check.
        Assert.Equal("ES256", OAuthFlows.Header(tokens.GetProperty("access_token").GetString()!).GetProperty("alg").GetString());
        var identityHeader = OAuthFlows.Header(tokens.GetProperty("id_token").GetString()!);
        Assert.Equal("RS256", identityHeader.GetProperty("alg").GetString());
        Assert.Equal(TokenMinter.NodeKey(fixture.DataDirectory).KeyId, identityHeader.GetProperty("kid").GetString());
        var identity = OAuthFlows.Payload(tokens.GetProperty("id_token").GetString()!);
        Assert.Equal(account.Id, identity.GetProperty("sub").GetString());
        Assert.Equal($"{_host.FhirBaseUrl.AbsoluteUri}/Patient/{PatientId}", identity.GetProperty("fhirUser").GetString());

        using var api = await OAuthFlows.GetProtectedAsync(http, tokens.GetProperty("access_token").GetString());
        var caller = JsonDocument.Parse(await api.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal("Patient", caller.GetProperty("contexts").GetString());
        Assert.Equal(PatientId, caller.GetProperty("patient").GetString());
        Assert.Equal($"Patient/{PatientId}", caller.GetProperty("reference").GetString());

        var (refreshStatus, refreshed) = await OAuthFlows.PostTokenAsync(http, new()
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!,
            ["client_id"] = PublicApp,
        });
        Assert.True(refreshStatus == HttpStatusCode.OK, refreshed.ToString());
        Assert.NotEqual(tokens.GetProperty("access_token").GetString(), refreshed.GetProperty("access_token").GetString());
        Assert.Equal(PatientId, refreshed.GetProperty("patient").GetString());
        using var again = await OAuthFlows.GetProtectedAsync(http, refreshed.GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task A_code_is_redeemed_only_with_its_PKCE_verifier()
    {
        using var http = _host.CreateClient();
        var (verifier, challenge) = OAuthFlows.NewPkce();
        var redirect = await OAuthFlows.SignInForRedirectAsync(http,
            OAuthFlows.AuthorizeUrl(PublicApp, RedirectUri, PatientScopes, "s", challenge, null), PatientUser, PatientPassword);
        var code = OAuthFlows.QueryOf(redirect)["code"];
        Dictionary<string, string> Exchange(string codeVerifier) => new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["client_id"] = PublicApp,
            ["code_verifier"] = codeVerifier,
        };

        var (wrongStatus, wrong) = await OAuthFlows.PostTokenAsync(http, Exchange(OAuthFlows.NewPkce().Verifier));
        Assert.Equal(HttpStatusCode.BadRequest, wrongStatus);
        Assert.Equal("invalid_grant", wrong.GetProperty("error").GetString());

        var withoutVerifier = Exchange(verifier);
        withoutVerifier.Remove("code_verifier");
        var (missingStatus, missing) = await OAuthFlows.PostTokenAsync(http, withoutVerifier);
        Assert.Equal(HttpStatusCode.BadRequest, missingStatus);
        Assert.Equal("invalid_request", missing.GetProperty("error").GetString());

        var (status, tokens) = await OAuthFlows.PostTokenAsync(http, Exchange(verifier));
        Assert.True(status == HttpStatusCode.OK, tokens.ToString());
    }

    [Fact]
    public async Task A_second_redemption_of_a_code_is_refused()
    {
        using var http = _host.CreateClient();
        var (verifier, challenge) = OAuthFlows.NewPkce();
        var redirect = await OAuthFlows.SignInForRedirectAsync(http,
            OAuthFlows.AuthorizeUrl(PublicApp, RedirectUri, PatientScopes, "s", challenge, null), PatientUser, PatientPassword);
        var exchange = OAuthFlows.CodeExchange(redirect, PublicApp, RedirectUri, verifier);

        Assert.Equal(HttpStatusCode.OK, (await OAuthFlows.PostTokenAsync(http, exchange)).Status);
        var (status, body) = await OAuthFlows.PostTokenAsync(http, exchange);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_wrong_password_shows_the_form_again_with_an_error_and_issues_no_code()
    {
        using var http = _host.CreateClient();
        var (_, challenge) = OAuthFlows.NewPkce();
        var authorize = OAuthFlows.AuthorizeUrl(PublicApp, RedirectUri, PatientScopes, "s", challenge, null);
        var form = await OAuthFlows.FollowToLoginFormAsync(http, authorize);

        using var response = await OAuthFlows.SubmitLoginAsync(http, form, PatientUser, "not-the-password");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("The user name or password is incorrect", html, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", html, StringComparison.Ordinal);

        // Still not signed in: the authorization request leads to the login page again, not to the app.
        using var retry = await http.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, retry.StatusCode);
        Assert.StartsWith("/connect/login", retry.Headers.Location!.IsAbsoluteUri ? retry.Headers.Location.AbsolutePath : retry.Headers.Location.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_authorization_request_without_PKCE_is_refused()
    {
        using var http = _host.CreateClient();
        using var response = await http.GetAsync(OAuthFlows.AuthorizeUrl(PublicApp, RedirectUri, PatientScopes, "s", null, null));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("error:invalid_request", body, StringComparison.Ordinal);
        Assert.Contains("code_challenge", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_authorization_request_for_another_FHIR_server_is_refused()
    {
        using var http = _host.CreateClient();
        var (_, challenge) = OAuthFlows.NewPkce();
        using var response = await http.GetAsync(OAuthFlows.AuthorizeUrl(PublicApp, RedirectUri, PatientScopes, "s", challenge, "https://other.example/fhir"));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var query = OAuthFlows.QueryOf(response.Headers.Location!);
        Assert.Equal("invalid_request", query["error"]);
        Assert.Contains("aud", query["error_description"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clinician_asking_for_patient_scopes_gets_only_user_scopes()
    {
        using var http = _host.CreateClient();
        var (verifier, challenge) = OAuthFlows.NewPkce();
        var redirect = await OAuthFlows.SignInForRedirectAsync(http,
            OAuthFlows.AuthorizeUrl(PublicApp, RedirectUri, "openid launch/patient patient/Observation.rs user/Observation.rs system/*.rs", "s", challenge, null),
            ClinicianUser, ClinicianPassword);
        var (status, tokens) = await OAuthFlows.PostTokenAsync(http, OAuthFlows.CodeExchange(redirect, PublicApp, RedirectUri, verifier));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["openid", "user/Observation.rs"], tokens.GetProperty("scope").GetString()!.Split(' ').Order());
        Assert.False(tokens.TryGetProperty("patient", out _));
        Assert.False(tokens.TryGetProperty("refresh_token", out _));

        using var api = await OAuthFlows.GetProtectedAsync(http, tokens.GetProperty("access_token").GetString());
        var caller = JsonDocument.Parse(await api.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("clinician", caller.GetProperty("role").GetString());
        Assert.Equal("User", caller.GetProperty("contexts").GetString());
    }

    [Fact]
    public async Task A_patient_asking_only_for_user_scopes_gets_invalid_scope()
    {
        using var http = _host.CreateClient();
        var (_, challenge) = OAuthFlows.NewPkce();
        var redirect = await OAuthFlows.SignInForRedirectAsync(http,
            OAuthFlows.AuthorizeUrl(PublicApp, RedirectUri, "user/*.cruds", "s", challenge, null), PatientUser, PatientPassword);
        var query = OAuthFlows.QueryOf(redirect);
        Assert.Equal("invalid_scope", query["error"]);
        Assert.False(query.ContainsKey("code"));
    }

    [Fact]
    public async Task A_confidential_app_must_present_its_secret_to_redeem_a_code()
    {
        using var http = _host.CreateClient();
        var (verifier, challenge) = OAuthFlows.NewPkce();
        var redirect = await OAuthFlows.SignInForRedirectAsync(http,
            OAuthFlows.AuthorizeUrl(ConfidentialApp, RedirectUri, PatientScopes, "s", challenge, null), PatientUser, PatientPassword);
        var exchange = OAuthFlows.CodeExchange(redirect, ConfidentialApp, RedirectUri, verifier);

        var (withoutStatus, without) = await OAuthFlows.PostTokenAsync(http, exchange);
        Assert.Equal("invalid_client", without.GetProperty("error").GetString());
        Assert.True(withoutStatus is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized);

        exchange["client_secret"] = ConfidentialAppSecret;
        var (status, tokens) = await OAuthFlows.PostTokenAsync(http, exchange);
        Assert.True(status == HttpStatusCode.OK, tokens.ToString());
        Assert.Equal(PatientId, tokens.GetProperty("patient").GetString());
    }

    [Fact]
    public async Task The_login_form_refuses_to_return_anywhere_but_an_authorization_request()
    {
        using var http = _host.CreateClient();
        var (_, challenge) = OAuthFlows.NewPkce();
        var form = await OAuthFlows.FollowToLoginFormAsync(http, OAuthFlows.AuthorizeUrl(PublicApp, RedirectUri, PatientScopes, "s", challenge, null));

        using var response = await OAuthFlows.SubmitLoginAsync(http, form with { ReturnUrl = "https://evil.example/" }, PatientUser, PatientPassword);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);

        using var page = await http.GetAsync("connect/login?ReturnUrl=%2F%2Fevil.example%2F");
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
    }

    [Fact]
    public async Task The_login_form_refuses_a_post_without_its_antiforgery_token()
    {
        using var http = _host.CreateClient();
        var (_, challenge) = OAuthFlows.NewPkce();
        var form = await OAuthFlows.FollowToLoginFormAsync(http, OAuthFlows.AuthorizeUrl(PublicApp, RedirectUri, PatientScopes, "s", challenge, null));

        using var response = await OAuthFlows.SubmitLoginAsync(http, form with { AntiforgeryToken = "forged" }, PatientUser, PatientPassword);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task A_guardian_gets_the_context_of_the_patient_they_act_for()
    {
        using var http = _host.CreateClient();
        var (verifier, challenge) = OAuthFlows.NewPkce();
        var redirect = await OAuthFlows.SignInForRedirectAsync(http,
            OAuthFlows.AuthorizeUrl(PublicApp, RedirectUri, "launch/patient patient/*.rs", "s", challenge, null), GuardianUser, GuardianPassword);
        var (status, tokens) = await OAuthFlows.PostTokenAsync(http, OAuthFlows.CodeExchange(redirect, PublicApp, RedirectUri, verifier));
        Assert.True(status == HttpStatusCode.OK, tokens.ToString());
        Assert.Equal(PatientId, tokens.GetProperty("patient").GetString());

        using var api = await OAuthFlows.GetProtectedAsync(http, tokens.GetProperty("access_token").GetString());
        var caller = JsonDocument.Parse(await api.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("guardian", caller.GetProperty("role").GetString());
        Assert.Equal("RelatedPerson/g-1", caller.GetProperty("reference").GetString());
        Assert.Equal(PatientId, caller.GetProperty("patient").GetString());
        Assert.Equal("Patient", caller.GetProperty("contexts").GetString());
    }

    [Fact]
    public async Task A_silent_request_from_someone_not_signed_in_gets_login_required()
    {
        using var http = _host.CreateClient();
        var (_, challenge) = OAuthFlows.NewPkce();
        using var response = await http.GetAsync(OAuthFlows.AuthorizeUrl(PublicApp, RedirectUri, PatientScopes, "s", challenge, null) + "&prompt=none");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var query = OAuthFlows.QueryOf(response.Headers.Location!);
        Assert.Equal("login_required", query["error"]);
        Assert.False(query.ContainsKey("code"));
    }
}
