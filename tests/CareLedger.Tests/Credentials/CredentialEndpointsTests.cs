using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CareLedger.Access.Credentials;

namespace CareLedger.Tests.Credentials;

/// <summary>One host for the class: each test works on a practitioner of its own, so tests do not see each other's credentials.</summary>
public sealed class CredentialEndpointsTests(CredentialHostFixture fixture) : IClassFixture<CredentialHostFixture>
{
    private static readonly PractitionerLicence Licence = new("MED-004211", "general practice");

    private readonly CredentialTestHost host = fixture.Host;
    private readonly string practitioner = $"Practitioner/dr-{Guid.NewGuid():N}";

    [Fact]
    public async Task Anyone_verifies_a_credential_without_a_token_by_get_or_post()
    {
        var issued = await host.Registry.IssueAsync(host.Board, practitioner, Licence, DateTimeOffset.UtcNow.AddYears(1));
        using var http = host.CreateClient();

        using var get = await http.GetAsync($"credentials/verify?credential={Uri.EscapeDataString(issued.Jwt)}");
        using var post = await http.PostAsync("credentials/verify", Jwt(issued.Jwt));

        foreach (var response in new[] { get, post })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("no-store", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
            var answer = await Body(response);
            Assert.True(answer.GetProperty("valid").GetBoolean());
            Assert.Empty(answer.GetProperty("reasons").EnumerateArray());
            Assert.Equal(issued.Id, answer.GetProperty("credentialId").GetString());
            Assert.Equal("issued", answer.GetProperty("status").GetString());
            Assert.Equal(issued.LedgerLeaf, answer.GetProperty("ledgerLeaf").GetInt64());
            Assert.EndsWith("Z", answer.GetProperty("validUntil").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Verification_names_every_reason_a_credential_fails()
    {
        var issued = await host.Registry.IssueAsync(host.Board, practitioner, Licence, DateTimeOffset.UtcNow.AddYears(1));
        var revoked = await host.Registry.RevokeAsync(issued.Id, "suspended");
        var parts = issued.Jwt.Split('.');
        var signature = Base64Url.DecodeFromChars(parts[2]);
        signature[0] ^= 0x80;
        var forged = parts[0] + "." + parts[1] + "." + Base64Url.EncodeToString(signature);
        using var http = host.CreateClient();

        using var response = await http.PostAsync("credentials/verify", Jwt(forged));

        var answer = await Body(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(answer.GetProperty("valid").GetBoolean());
        Assert.Equal("revoked", answer.GetProperty("status").GetString());
        var reasons = answer.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToList();
        Assert.Contains($"was revoked at leaf {revoked.LedgerLeaf}", reasons);
        Assert.Contains(reasons, r => r.StartsWith("has a signature that does not verify", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verification_without_a_credential_is_a_bad_request()
    {
        using var http = host.CreateClient();

        using var get = await http.GetAsync("credentials/verify");
        using var post = await http.PostAsync("credentials/verify", Jwt(""));

        Assert.Equal(HttpStatusCode.BadRequest, get.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        Assert.Equal("OperationOutcome", (await Body(get)).GetProperty("resourceType").GetString());
    }

    [Fact]
    public async Task A_board_officer_issues_renews_revokes_and_lists_credentials()
    {
        using var http = Authorised("board-officer", "Practitioner/board-1");

        using var issue = await http.PostAsJsonAsync("credentials", new { practitioner, licenceNumber = "MED-1", speciality = "cardiology", validUntil = "2099-01-01T00:00:00Z" });
        var issued = await Body(issue);
        var id = issued.GetProperty("id").GetString()!;
        using var renew = await http.PostAsJsonAsync($"credentials/{id}/$renew", new { validUntil = "2100-06-01T00:00:00Z" });
        var renewed = await Body(renew);
        var renewedVerifies = host.Registry.Verify(renewed.GetProperty("credential").GetString()!).Valid;
        using var revoke = await http.PostAsJsonAsync($"credentials/{id}/$revoke", new { reason = "retired" });
        var revoked = await Body(revoke);
        using var list = await http.GetAsync($"credentials?practitioner={Uri.EscapeDataString(practitioner)}");
        var listed = (await Body(list)).GetProperty("credentials").EnumerateArray().ToList();

        Assert.Equal(HttpStatusCode.Created, issue.StatusCode);
        Assert.Equal(("issued", "2099-01-01T00:00:00Z"), (issued.GetProperty("status").GetString(), issued.GetProperty("validUntil").GetString()));
        Assert.Equal(HttpStatusCode.OK, renew.StatusCode);
        Assert.Equal(("renewed", "2100-06-01T00:00:00Z"), (renewed.GetProperty("status").GetString(), renewed.GetProperty("validUntil").GetString()));
        Assert.True(renewedVerifies);
        Assert.Equal(("revoked", "retired"), (revoked.GetProperty("status").GetString(), revoked.GetProperty("revocationReason").GetString()));
        Assert.Equal(id, Assert.Single(listed).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Other_roles_get_403_and_anonymous_callers_401_on_the_board_endpoints()
    {
        using var clinician = Authorised("clinician", practitioner);
        using var anonymous = host.CreateClient();
        var request = new { practitioner, licenceNumber = "MED-1", speciality = "cardiology", validUntil = "2099-01-01T00:00:00Z" };

        using var forbidden = await clinician.PostAsJsonAsync("credentials", request);
        using var listing = await clinician.GetAsync("credentials");
        using var unauthenticated = await anonymous.PostAsJsonAsync("credentials", request);

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("board officer", (await Body(forbidden)).GetProperty("issue")[0].GetProperty("diagnostics").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, listing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Empty(host.Registry.ForPractitioner(practitioner));
    }

    [Fact]
    public async Task Bad_requests_unknown_credentials_and_forbidden_changes_are_refused_with_an_OperationOutcome()
    {
        using var http = Authorised("board-officer", "Practitioner/board-1");
        var issued = await host.Registry.IssueAsync(host.Board, practitioner, Licence, DateTimeOffset.UtcNow.AddYears(1));
        await host.Registry.RevokeAsync(issued.Id, "suspended");

        using var badPractitioner = await http.PostAsJsonAsync("credentials", new { practitioner = "Patient/p-1", licenceNumber = "MED-1", speciality = "x", validUntil = "2099-01-01" });
        using var noDate = await http.PostAsJsonAsync("credentials", new { practitioner, licenceNumber = "MED-1", speciality = "x" });
        using var unknown = await http.PostAsJsonAsync($"credentials/{CredentialIdentifiers.NewCredentialId()}/$renew", new { validUntil = "2099-01-01" });
        using var revokedAgain = await http.PostAsJsonAsync($"credentials/{issued.Id}/$revoke", new { reason = "again" });
        using var notJson = await http.PostAsync($"credentials/{issued.Id}/$revoke", new StringContent("reason=again", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.BadRequest, badPractitioner.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noDate.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, revokedAgain.StatusCode);
        Assert.Contains("already revoked", (await Body(revokedAgain)).GetProperty("issue")[0].GetProperty("diagnostics").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Single(host.Registry.ForPractitioner(practitioner));
    }

    private HttpClient Authorised(string role, string fhirUser)
    {
        var http = host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.TokenFor(role, fhirUser));
        return http;
    }

    private static StringContent Jwt(string jwt) => new(jwt, Encoding.ASCII, VcJwt.MediaType);

    private static async Task<JsonElement> Body(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}
