using System.Collections.Concurrent;
using System.Net;
using System.Text;
using CareLedger.Tests.Support;

namespace CareLedger.Tests.Cli;

/// <summary>
/// The two-phase write between vault and ledger, tested where it matters: a FHIR resource whose create was
/// acknowledged survives SIGKILL at any moment, and nothing half-written becomes visible.
/// </summary>
public sealed class FhirCrashRecoveryTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Kill_9_during_FHIR_creates_loses_no_acknowledged_resource()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("node");
        Assert.Equal(0, (await CareLedgerProcess.RunAsync(Startup, "init", "--data", data)).ExitCode);
        await NodeCredentials.RegisterSystemClientAsync(dir, data, Startup);
        var acknowledged = new ConcurrentBag<string>();

        for (var round = 0; round < 2; round++)
        {
            await using var node = CareLedgerProcess.Start("serve", "--data", data, "--urls", "http://127.0.0.1:0");
            using var http = new HttpClient { BaseAddress = await node.WaitUntilListeningAsync(Startup) };
            await NodeCredentials.AuthoriseAsync(http);
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var body = $$"""{"resourceType":"Patient","gender":"{{(i % 2 == 0 ? "female" : "male")}}","birthDate":"19{{10 + (i % 80)}}-01-0{{1 + (w % 9)}}"}""";
                    try
                    {
                        using var content = new StringContent(body, Encoding.UTF8, "application/fhir+json");
                        using var response = await http.PostAsync(new Uri("/fhir/Patient", UriKind.Relative), content, stop.Token);
                        if (response.StatusCode == HttpStatusCode.Created)
                        {
                            acknowledged.Add(response.Headers.Location!.ToString());
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                    {
                        return;
                    }
                }
            })).ToArray();

            var target = acknowledged.Count + 60;
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (acknowledged.Count < target && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            node.KillHard();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            Assert.True(acknowledged.Count >= target, $"only {acknowledged.Count} creates were acknowledged before the deadline");
        }

        await using (var node = CareLedgerProcess.Start("serve", "--data", data, "--urls", "http://127.0.0.1:0"))
        {
            using var http = new HttpClient { BaseAddress = await node.WaitUntilListeningAsync(Startup) };
            await NodeCredentials.AuthoriseAsync(http);
            foreach (var location in acknowledged)
            {
                var path = new Uri(location, UriKind.RelativeOrAbsolute);
                using var response = await http.GetAsync(path.IsAbsoluteUri ? new Uri(path.PathAndQuery, UriKind.Relative) : path);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"acknowledged {location} answers {(int)response.StatusCode} after restart");
            }
        }

        var verify = await CareLedgerProcess.RunAsync(TimeSpan.FromMinutes(2), "verify", "--data", data);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
    }
}
