using System.Net;
using System.Text.Json;
using static CareLedger.Tests.Identity.IdentityHostFixture;

namespace CareLedger.Tests.Identity;

[Collection(IdentityHostCollection.Name)]
public sealed class ClientCredentialsTests(IdentityHostFixture fixture)
{
    private readonly IdentityTestHost _host = fixture.Host;

    [Fact]
    public async Task A_system_client_gets_a_signed_token_it_can_use_on_a_protected_endpoint()
    {
        using var http = _host.CreateClient();
        using var response = await OAuthFlows.ClientCredentialsAsync(http, SystemClient, SystemSecret, "system/Observation.rs");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.InRange(body.GetProperty("expires_in").GetInt32(), 14 * 60, 15 * 60);
        Assert.False(body.TryGetProperty("refresh_token", out _));

        var token = body.GetProperty("access_token").GetString()!;
        var header = OAuthFlows.Header(token);
        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        Assert.Equal("at+jwt", header.GetProperty("typ").GetString());
        Assert.Equal(TokenMinter.AccessKey(fixture.DataDirectory).KeyId, header.GetProperty("kid").GetString());
        Assert.Equal(86, token.Split('.')[2].Length);
        var claims = OAuthFlows.Payload(token);
        Assert.Equal(SystemClient, claims.GetProperty("client_id").GetString());
        Assert.True(claims.TryGetProperty("jti", out _));
        Assert.Equal(SystemClient, claims.GetProperty("sub").GetString());
        Assert.Equal("system", claims.GetProperty("role").GetString());
        Assert.Equal("system/Observation.rs", claims.GetProperty("scope").GetString());
        Assert.Equal(_host.FhirBaseUrl.AbsoluteUri, claims.GetProperty("aud").GetString());
        Assert.Equal(_host.BaseAddress.AbsoluteUri, claims.GetProperty("iss").GetString());
        Assert.Equal("Test General Hospital", claims.GetProperty("organisation").GetString());

        using var api = await OAuthFlows.GetProtectedAsync(http, token);
        var caller = JsonDocument.Parse(await api.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal(SystemClient, caller.GetProperty("subject").GetString());
        Assert.Equal("system", caller.GetProperty("role").GetString());
        Assert.Equal(SystemClient, caller.GetProperty("client").GetString());
        Assert.Equal("System", caller.GetProperty("contexts").GetString());
    }

    [Fact]
    public async Task A_wrong_secret_gets_invalid_client_and_no_token()
    {
        using var http = _host.CreateClient();
        using var response = await OAuthFlows.ClientCredentialsAsync(http, SystemClient, "wrong-secret-0000000", "system/Observation.rs");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, response.StatusCode.ToString());
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        Assert.False(body.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task An_unknown_client_gets_invalid_client()
    {
        using var http = _host.CreateClient();
        using var response = await OAuthFlows.ClientCredentialsAsync(http, "nobody", "whatever-secret-000", "system/Observation.rs");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Requested_scopes_are_narrowed_to_what_the_client_is_allowed()
    {
        using var http = _host.CreateClient();
        using var response = await OAuthFlows.ClientCredentialsAsync(http, SystemClient, SystemSecret, "system/*.cruds user/*.cruds profile");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["system/Observation.rs", "system/Patient.r"], body.GetProperty("scope").GetString()!.Split(' ').Order());
    }

    [Theory]
    [InlineData("system/Condition.rs", "may have at most")]
    [InlineData("user/Observation.rs", "may have at most")]
    [InlineData("system/Observaton.rs", "not a FHIR R4 resource type")]
    [InlineData(null, "ask for the scopes")]
    public async Task A_request_that_cannot_be_granted_anything_gets_invalid_scope(string? scope, string reason)
    {
        using var http = _host.CreateClient();
        using var response = await OAuthFlows.ClientCredentialsAsync(http, SystemClient, SystemSecret, scope);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_scope", body.GetProperty("error").GetString());
        Assert.Contains(reason, body.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_app_may_not_use_client_credentials()
    {
        using var http = _host.CreateClient();
        using var response = await OAuthFlows.ClientCredentialsAsync(http, ConfidentialApp, ConfidentialAppSecret, "system/Observation.rs");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("unauthorized_client", body.GetProperty("error").GetString());
    }
}
