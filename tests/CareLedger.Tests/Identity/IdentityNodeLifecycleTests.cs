using System.Net;
using System.Text.Json;
using CareLedger.Identity.Accounts;
using CareLedger.Tests.Support;

namespace CareLedger.Tests.Identity;

/// <summary>Hosts of their own: restarts, real token expiry, key files and what reaches the log.</summary>
public sealed class IdentityNodeLifecycleTests : IDisposable
{
    private const string Client = "svc";
    private const string Secret = "svc-secret-000000000";

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Tokens_issued_before_a_restart_are_accepted_after_it()
    {
        string token;
        string url;
        await using (var first = await IdentityTestHost.StartAsync(_data.Path))
        {
            await first.Store.AddClientAsync(new ClientRegistration(Client, ClientKind.System) { Secret = Secret });
            using var http = first.CreateClient();
            token = await OAuthFlows.AccessTokenAsync(http, Client, Secret, "system/Observation.rs");
            url = first.BaseAddress.AbsoluteUri.TrimEnd('/');
        }

        await using var second = await IdentityTestHost.StartAsync(_data.Path, url: url);
        using var client = second.CreateClient();
        using var response = await OAuthFlows.GetProtectedAsync(client, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        foreach (var file in new[] { "identity-signing.pem", "identity-access-signing.pem", "identity-encryption.key" })
        {
            var path = Path.Combine(_data.Path, "keys", file);
            Assert.True(File.Exists(path), path);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
        }
    }

    [Fact]
    public async Task An_issued_token_stops_working_when_its_lifetime_ends()
    {
        await using var host = await IdentityTestHost.StartAsync(_data.Path, o => o with { AccessTokenLifetime = TimeSpan.FromSeconds(2) });
        await host.Store.AddClientAsync(new ClientRegistration(Client, ClientKind.System) { Secret = Secret });
        using var http = host.CreateClient();
        var token = await OAuthFlows.AccessTokenAsync(http, Client, Secret, "system/Observation.rs");
        Assert.Equal("ES256", OAuthFlows.Header(token).GetProperty("alg").GetString());
        var claims = OAuthFlows.Payload(token);
        Assert.Equal(2, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());

        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode status;
        string diagnostics;
        do
        {
            await Task.Delay(250);
            using var response = await OAuthFlows.GetProtectedAsync(http, token);
            status = response.StatusCode;
            diagnostics = await response.Content.ReadAsStringAsync();
        }
        while (status == HttpStatusCode.OK && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("no longer valid", diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Passwords_secrets_and_user_names_never_reach_the_log_even_at_trace_level()
    {
        const string password = "pw-for-log-test-1";
        const string wrongPassword = "pw-wrong-for-log-test";
        const string userName = "zed.loggable";
        using var logs = new CapturedLogs();
        await using (var host = await IdentityTestHost.StartAsync(_data.Path, logs: logs))
        {
            await host.Store.AddUserAsync(new NewUser(userName, CareLedgerRole.Patient, "Patient/p-9", password));
            await host.Store.AddClientAsync(new ClientRegistration("app", ClientKind.App) { RedirectUris = [IdentityHostFixture.RedirectUri] });
            await host.Store.AddClientAsync(new ClientRegistration(Client, ClientKind.System) { Secret = Secret });
            using var http = host.CreateClient();

            await OAuthFlows.AccessTokenAsync(http, Client, Secret, "system/Observation.rs");
            using (await OAuthFlows.ClientCredentialsAsync(http, Client, Secret + "x", "system/Observation.rs"))
            {
            }

            var (verifier, challenge) = OAuthFlows.NewPkce();
            var authorize = OAuthFlows.AuthorizeUrl("app", IdentityHostFixture.RedirectUri, "openid patient/Observation.rs", "s", challenge, null);
            var form = await OAuthFlows.FollowToLoginFormAsync(http, authorize);
            using (var failed = await OAuthFlows.SubmitLoginAsync(http, form, userName, wrongPassword))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
            }

            var redirect = await OAuthFlows.SignInForRedirectAsync(http, authorize, userName, password);
            var (status, tokens) = await OAuthFlows.PostTokenAsync(http, OAuthFlows.CodeExchange(redirect, "app", IdentityHostFixture.RedirectUri, verifier));
            Assert.True(status == HttpStatusCode.OK, tokens.ToString());
        }

        Assert.Contains(logs.Lines, l => l.Contains("A sign-in failed", StringComparison.Ordinal));
        // The protocol's own request logging was captured too (with the client secret redacted by OpenIddict).
        Assert.Contains(logs.Lines, l => l.StartsWith("Information OpenIddict.Server", StringComparison.Ordinal) && l.Contains("[redacted]", StringComparison.Ordinal));
        foreach (var secret in new[] { password, wrongPassword, userName, Secret })
        {
            Assert.DoesNotContain(logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }
}
