using System.Net;
using System.Text.Json;

namespace CareLedger.Tests.Identity;

[Collection(IdentityHostCollection.Name)]
public sealed class DiscoveryTests(IdentityHostFixture fixture)
{
    private readonly IdentityTestHost _host = fixture.Host;

    [Fact]
    public async Task OpenID_discovery_names_the_bound_address_as_issuer_and_the_node_endpoints()
    {
        var document = await GetJsonAsync(".well-known/openid-configuration");
        Assert.Equal(_host.BaseAddress.AbsoluteUri, document.GetProperty("issuer").GetString());
        Assert.Equal(new Uri(_host.BaseAddress, "connect/token").AbsoluteUri, document.GetProperty("token_endpoint").GetString());
        Assert.Equal(new Uri(_host.BaseAddress, "connect/authorize").AbsoluteUri, document.GetProperty("authorization_endpoint").GetString());
        Assert.Contains("S256", Strings(document, "code_challenge_methods_supported"));
        Assert.Superset(new HashSet<string> { "authorization_code", "client_credentials", "refresh_token" },
            Strings(document, "grant_types_supported").ToHashSet());
    }

    [Fact]
    public async Task SMART_configuration_matches_OpenID_discovery_and_lists_the_capabilities()
    {
        var openid = await GetJsonAsync(".well-known/openid-configuration");
        var smart = await GetJsonAsync(".well-known/smart-configuration");
        Assert.Equal(smart.ToString(), (await GetJsonAsync("fhir/.well-known/smart-configuration")).ToString());
        foreach (var field in new[] { "issuer", "authorization_endpoint", "token_endpoint", "jwks_uri" })
        {
            Assert.Equal(openid.GetProperty(field).GetString(), smart.GetProperty(field).GetString());
        }

        Assert.Equal(["S256"], Strings(smart, "code_challenge_methods_supported"));
        Assert.Equal(["code"], Strings(smart, "response_types_supported"));
        Assert.Equal(["authorization_code", "client_credentials", "refresh_token"], Strings(smart, "grant_types_supported"));
        Assert.Superset(new HashSet<string>
        {
            "launch-standalone", "client-public", "client-confidential-symmetric", "client-confidential-asymmetric", "permission-v2", "permission-patient",
            "permission-user", "context-standalone-patient", "sso-openid-connect",
        }, Strings(smart, "capabilities").ToHashSet());
        Assert.Superset(new HashSet<string> { "openid", "fhirUser", "launch/patient", "offline_access" },
            Strings(smart, "scopes_supported").ToHashSet());
    }

    [Fact]
    public async Task The_published_signing_keys_are_the_ones_kept_in_the_data_directory()
    {
        // RS256 for ID tokens, ES256 for access tokens (ADR 0014): other members validate access tokens with the second.
        var jwks = await GetJsonAsync(".well-known/jwks");
        var keys = jwks.GetProperty("keys").EnumerateArray().ToDictionary(k => k.GetProperty("kid").GetString()!);
        Assert.Equal(2, keys.Count);
        var rsa = keys[TokenMinter.NodeKey(fixture.DataDirectory).KeyId];
        Assert.Equal("RSA", rsa.GetProperty("kty").GetString());
        Assert.Equal("RS256", rsa.GetProperty("alg").GetString());
        var ec = keys[TokenMinter.AccessKey(fixture.DataDirectory).KeyId];
        Assert.Equal("EC", ec.GetProperty("kty").GetString());
        Assert.Equal("P-256", ec.GetProperty("crv").GetString());
        Assert.Equal("ES256", ec.GetProperty("alg").GetString());
        Assert.False(ec.TryGetProperty("d", out _));
        Assert.False(rsa.TryGetProperty("d", out _));
    }

    [Fact]
    public async Task Discovery_names_RS256_alone_for_ID_tokens()
    {
        var document = await GetJsonAsync(".well-known/openid-configuration");
        Assert.Equal(["RS256"], Strings(document, "id_token_signing_alg_values_supported"));
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var http = _host.CreateClient();
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string[] Strings(JsonElement document, string property) =>
        [.. document.GetProperty(property).EnumerateArray().Select(e => e.GetString()!)];
}
