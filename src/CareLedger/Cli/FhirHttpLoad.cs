using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using CareLedger.Identity.Accounts;
using System.Text;
using CareLedger.Fhir.Bench;
using CareLedger.Node;

namespace CareLedger.Cli;

/// <summary>
/// Creates and reads through the node's real HTTP stack on loopback (Kestrel, routing, content negotiation,
/// serialisation): what a client of <c>/fhir</c> sees, as opposed to the in-process figures of <see cref="FhirLoad"/>.
/// </summary>
internal static class FhirHttpLoad
{
    /// <returns>
    /// The figures, and the process's CPU time (all threads, the clients' included: they run in this process) per create
    /// and per read: steadier than the rates on a machine that other work shares.
    /// </returns>
    /// <param name="warmUpPerClient">
    /// Untimed creates and reads per client first, so that the figures are the HTTP stack's steady state (its methods
    /// compiled at tier 1), not its first use in the process; 0 measures from the first request.
    /// </param>
    public static async Task<(LatencyFigures Create, LatencyFigures Read, TimeSpan CpuPerCreate, TimeSpan CpuPerRead)> RunAsync(CareLedgerNode node, int clients, int createsPerClient, int readsPerClient, int warmUpPerClient, CancellationToken ct)
    {
        await using var app = NodeHost.Build(node, "http://127.0.0.1:0");
        await app.StartAsync(ct);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(NodeHost.BoundAddresses(app)[0]) };
        // The load runs as a backend service would: a client-credentials token, checked on every request.
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await BenchClientTokenAsync(app, http, ct));

        var patient = await CreateAsync(http, """{"resourceType":"Patient","gender":"female","birthDate":"1970-01-01"}""", "Patient", ct);
        if (warmUpPerClient > 0)
        {
            await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
            {
                for (var i = 0; i < warmUpPerClient; i++)
                {
                    var target = await CreateAsync(http, ObservationJson(patient, 60 + (i % 60)), "Observation", ct);
                    using var response = await http.GetAsync(new Uri("/fhir/" + target, UriKind.Relative), ct);
                    _ = await response.Content.ReadAsByteArrayAsync(ct);
                }
            }, ct)));
        }

        var ids = new ConcurrentBag<string>();
        var createLatencies = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        var cpu = CpuTime();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < createsPerClient; i++)
            {
                var body = ObservationJson(patient, 60 + ((c * 31 + i) % 60));
                var started = Stopwatch.GetTimestamp();
                ids.Add(await CreateAsync(http, body, "Observation", ct));
                createLatencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }, ct)));
        var create = LatencyFigures.From([.. createLatencies], clock.Elapsed);
        var createCpu = CpuTime() - cpu;

        var targets = ids.ToArray();
        var readLatencies = new ConcurrentBag<double>();
        clock.Restart();
        cpu = CpuTime();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < readsPerClient; i++)
            {
                var target = targets[(c * 7919 + i * 104729) % targets.Length];
                var started = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(new Uri("/fhir/" + target, UriKind.Relative), ct);
                _ = await response.Content.ReadAsByteArrayAsync(ct);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new CliException($"read of {target} answered {(int)response.StatusCode}");
                }

                readLatencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }, ct)));
        var read = LatencyFigures.From([.. readLatencies], clock.Elapsed);
        var readCpu = CpuTime() - cpu;
        await app.StopAsync(ct);
        return (create, read, createCpu / Math.Max(create.Operations, 1), readCpu / Math.Max(read.Operations, 1));
    }

    private static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static string ObservationJson(string patient, int value) =>
        $$$"""{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},"subject":{"reference":"{{{patient}}}"},"effectiveDateTime":"2026-11-25T10:00:00Z","valueQuantity":{"value":{{{value}}},"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}""";

    private static async Task<string> BenchClientTokenAsync(WebApplication app, HttpClient http, CancellationToken ct)
    {
        const string ClientId = "careledger-bench";
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var store = app.Services.GetRequiredService<IdentityStore>();
        if (await store.FindClientAsync(ClientId, ct) is not null)
        {
            await store.RemoveClientAsync(ClientId, ct);
        }

        await store.AddClientAsync(new ClientRegistration(ClientId, ClientKind.System) { Secret = secret, AllowedScopes = "system/*.cruds" }, ct);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = ClientId,
                ["client_secret"] = secret,
                ["scope"] = "system/*.cruds",
            }),
        };
        using var response = await http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        return response.IsSuccessStatusCode
            ? JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!
            : throw new CliException($"the bench client could not get a token ({(int)response.StatusCode}): {body}");
    }

    /// <summary>POSTs a resource and returns "Type/id" from the Location header.</summary>
    private static async Task<string> CreateAsync(HttpClient http, string json, string type, CancellationToken ct)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/fhir+json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/fhir/" + type, UriKind.Relative)) { Content = content };
        request.Headers.Add("Prefer", "return=minimal");
        using var response = await http.SendAsync(request, ct);
        if (response.StatusCode != HttpStatusCode.Created || response.Headers.Location is null)
        {
            throw new CliException($"create of a {type} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }

        var segments = response.Headers.Location.OriginalString.Split('/');
        var at = Array.IndexOf(segments, type);
        return $"{type}/{segments[at + 1]}";
    }
}
