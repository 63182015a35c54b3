using System.Net.Http.Headers;
using System.Text;
using CareLedger.Fhir;
using CareLedger.Fhir.Bundles;
using CareLedger.Fhir.Validation;
using CareLedger.Ledger.Engine;
using CareLedger.Tests.Support;
using CareLedger.Vault;
using CareLedger.Vault.Keys;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace CareLedger.Tests.Fhir;

/// <summary>
/// A real node for FHIR tests: a ledger engine and a vault in a temporary data directory, the FHIR services over
/// them, and (on demand) the FHIR HTTP API on an in-memory test server.
/// </summary>
internal sealed class FhirTestNode : IAsyncDisposable
{
    private WebApplication? app;
    private bool ledgerClosed;

    private FhirTestNode(TempDirectory directory, LedgerEngine ledger, Vault.Vault vault)
    {
        Directory = directory;
        Ledger = ledger;
        Vault = vault;
        Service = new FhirService(new CareLedger.Fhir.Storage.ResourceRepository(ledger, vault),
            FhirServerOptions.Default with { ExportDirectory = directory.Combine("export"), MaxRequestBytes = 2 * 1024 * 1024 });
        Bundles = new BundleProcessor(Service);
    }

    public TempDirectory Directory { get; }

    public string DataDirectory => Directory.Combine("data");

    public LedgerEngine Ledger { get; }

    public Vault.Vault Vault { get; }

    public FhirService Service { get; }

    public BundleProcessor Bundles { get; }

    public HttpClient Client { get; private set; } = null!;

    public static async Task<FhirTestNode> StartAsync(bool http = false)
    {
        var directory = new TempDirectory();
        var data = directory.Combine("data");
        var ledger = await LedgerEngine.InitializeAsync(new LedgerOptions(data), "careledger.test/fhir", "Test Hospital", CancellationToken.None);
        var vault = global::CareLedger.Vault.Vault.Open(new VaultOptions(Path.Combine(data, "vault.db"), FileKeyring.OpenOrCreate(Path.Combine(data, "keys", "vault.keyring"))));
        var node = new FhirTestNode(directory, ledger, vault);
        if (http)
        {
            await node.StartHttpAsync();
        }

        return node;
    }

    private async System.Threading.Tasks.Task StartHttpAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddCareLedgerFhir(Ledger, Vault, Service.Options);
        app = builder.Build();
        app.MapCareLedgerFhir();
        await app.StartAsync();
        Client = app.GetTestClient();
        Client.BaseAddress = new Uri("http://localhost/fhir/");
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/fhir+json");

    public static StringContent Json(Resource resource) => Json(FhirSerialization.ToJson(resource));

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response)
        where T : Resource
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return (T)FhirSerialization.ParseJson(bytes);
    }

    public static async Task<OperationOutcome> OutcomeAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        return await ReadAsync<OperationOutcome>(response);
    }

    public static HttpRequestMessage Request(HttpMethod method, string url, HttpContent? content = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, url) { Content = content };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    public static MediaTypeWithQualityHeaderValue Xml => new("application/fhir+xml");

    /// <summary>Closes the ledger and runs the same verification as <c>careledger verify</c> over its files.</summary>
    public async Task<VerifyReport> CloseAndVerifyLedgerAsync()
    {
        await Ledger.DisposeAsync();
        ledgerClosed = true;
        return await LedgerEngine.VerifyAsync(DataDirectory, null, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        if (!ledgerClosed)
        {
            await Ledger.DisposeAsync();
        }

        Vault.Dispose();
        Directory.Dispose();
    }
}
