using System.Net;
using System.Text.Json;
using static CareLedger.Tests.Identity.IdentityHostFixture;

namespace CareLedger.Tests.Identity;

/// <summary>What the protected API answers to missing, bad and insufficient tokens.</summary>
[Collection(IdentityHostCollection.Name)]
public sealed class BearerTokenTests(IdentityHostFixture fixture)
{
    private readonly IdentityTestHost _host = fixture.Host;

    private string Issuer => _host.BaseAddress.AbsoluteUri;

    private string Audience => _host.FhirBaseUrl.AbsoluteUri;

    [Fact]
    public async Task A_request_without_a_token_gets_401_with_an_OperationOutcome_and_a_bearer_challenge()
    {
        using var http = _host.CreateClient();
        using var response = await OAuthFlows.GetProtectedAsync(http, null);
        var outcome = await ReadOutcomeAsync(response, HttpStatusCode.Unauthorized, "login");
        Assert.Contains("no access token", outcome, StringComparison.Ordinal);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.DoesNotContain("error=", challenge.Parameter, StringComparison.Ordinal);
    }

    // Access tokens are ES256 (ADR 0014); RS256 tokens of the node's RSA key are still accepted until they expire.
    [Theory]
    [InlineData("ES256")]
    [InlineData("RS256")]
    public async Task A_token_minted_with_the_node_key_for_the_right_audience_is_accepted(string algorithm)
    {
        // The control for the tests below: each changes one thing about this token.
        var now = DateTime.UtcNow;
        var token = TokenMinter.Mint(TokenMinter.KeyFor(algorithm, fixture.DataDirectory), Issuer, Audience, now.AddMinutes(-1), now.AddMinutes(5));
        using var http = _host.CreateClient();
        using var response = await OAuthFlows.GetProtectedAsync(http, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_token_in_the_query_string_is_not_accepted()
    {
        using var http = _host.CreateClient();
        var token = await OAuthFlows.AccessTokenAsync(http, SystemClient, SystemSecret, "system/Observation.rs");
        using var response = await http.GetAsync($"{IdentityTestHost.ProtectedPath}?access_token={token}");
        var diagnostics = await ReadOutcomeAsync(response, HttpStatusCode.Unauthorized, "login");
        Assert.Contains("no access token", diagnostics, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ES256")]
    [InlineData("RS256")]
    public async Task An_expired_token_gets_401(string algorithm)
    {
        var now = DateTime.UtcNow;
        var token = TokenMinter.Mint(TokenMinter.KeyFor(algorithm, fixture.DataDirectory), Issuer, Audience, now.AddMinutes(-30), now.AddMinutes(-15));
        await AssertRejectedAsync(token, "no longer valid");
    }

    [Theory]
    [InlineData("ES256")]
    [InlineData("RS256")]
    public async Task A_token_signed_by_another_key_gets_401(string algorithm)
    {
        var now = DateTime.UtcNow;
        var token = TokenMinter.Mint(TokenMinter.KeyFor(algorithm, fixture.DataDirectory, forged: true), Issuer, Audience, now.AddMinutes(-1), now.AddMinutes(5));
        await AssertRejectedAsync(token, "signature");
    }

    [Theory]
    [InlineData("ES256")]
    [InlineData("RS256")]
    public async Task A_token_for_another_audience_gets_401(string algorithm)
    {
        var now = DateTime.UtcNow;
        var token = TokenMinter.Mint(TokenMinter.KeyFor(algorithm, fixture.DataDirectory), Issuer, "https://other-node.example/fhir", now.AddMinutes(-1), now.AddMinutes(5));
        await AssertRejectedAsync(token, "audience");
    }

    [Theory]
    [InlineData("ES256")]
    [InlineData("RS256")]
    public async Task A_token_from_another_issuer_gets_401(string algorithm)
    {
        var now = DateTime.UtcNow;
        var token = TokenMinter.Mint(TokenMinter.KeyFor(algorithm, fixture.DataDirectory), "https://other-node.example/", Audience, now.AddMinutes(-1), now.AddMinutes(5));
        await AssertRejectedAsync(token, "issuer");
    }

    [Fact]
    public async Task A_token_that_is_not_a_jwt_gets_401()
    {
        await AssertRejectedAsync("not-a-token", "invalid");
    }

    [Fact]
    public async Task A_token_without_the_needed_scope_gets_403_naming_the_scope()
    {
        using var http = _host.CreateClient();
        var token = await OAuthFlows.AccessTokenAsync(http, SystemClient, SystemSecret, "system/Patient.r");
        using var response = await OAuthFlows.GetProtectedAsync(http, token);
        var diagnostics = await ReadOutcomeAsync(response, HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains("system/Observation.s", diagnostics, StringComparison.Ordinal);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Contains("error=\"insufficient_scope\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Contains("scope=\"system/Observation.s\"", challenge.Parameter, StringComparison.Ordinal);
    }

    private async Task AssertRejectedAsync(string token, string reason)
    {
        using var http = _host.CreateClient();
        using var response = await OAuthFlows.GetProtectedAsync(http, token);
        var diagnostics = await ReadOutcomeAsync(response, HttpStatusCode.Unauthorized, "login");
        Assert.StartsWith("the access token was rejected", diagnostics, StringComparison.Ordinal);
        Assert.Contains(reason, diagnostics, StringComparison.Ordinal);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
    }

    /// <summary>Checks the OperationOutcome shape and returns its diagnostics.</summary>
    internal static async Task<string> ReadOutcomeAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        var outcome = JsonDocument.Parse(text).RootElement;
        Assert.Equal("OperationOutcome", outcome.GetProperty("resourceType").GetString());
        var issue = Assert.Single(outcome.GetProperty("issue").EnumerateArray());
        Assert.Equal("error", issue.GetProperty("severity").GetString());
        Assert.Equal(code, issue.GetProperty("code").GetString());
        return issue.GetProperty("diagnostics").GetString()!;
    }
}
