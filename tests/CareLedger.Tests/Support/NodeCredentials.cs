using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CareLedger.Tests.Support;

/// <summary>
/// A backend-service client of a node run as a real process: registered with <c>careledger client add</c> on the data
/// directory, then a client-credentials token from the node's token endpoint, as any integration would do.
/// </summary>
internal static class NodeCredentials
{
    public const string ClientId = "process-tests";
    public const string Secret = "process-tests-secret-0123456789";

    public static async Task RegisterSystemClientAsync(TempDirectory dir, string data, TimeSpan timeout)
    {
        var secretFile = dir.Combine("client-secret");
        await File.WriteAllTextAsync(secretFile, Secret);
        var (exit, _, stderr) = await CareLedgerProcess.RunAsync(timeout, "client", "add", ClientId, "--data", data, "--scopes", "system/*.cruds", "--secret-file", secretFile);
        Assert.True(exit == 0, stderr);
    }

    /// <summary>Sets a bearer token of the registered client on <paramref name="http"/> (whose base address is the node).</summary>
    public static async Task AuthoriseAsync(HttpClient http)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/connect/token", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{Secret}")));
        request.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "system/*.cruds" });
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString());
    }
}
