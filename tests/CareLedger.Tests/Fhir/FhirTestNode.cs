using System.Net.Http.Headers;
using System.Text;
using CareLedger.Fhir;
using CareLedger.Fhir.Bundles;
using CareLedger.Fhir.Validation;
using CareLedger.Identity;
using CareLedger.Identity.Accounts;
using CareLedger.Tests.Identity;
using CareLedger.Ledger.Engine;
using CareLedger.Tests.Support;
using CareLedger.Node;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CareLedger.Tests.Fhir;

/// <summary>
/// A real node for FHIR tests: the node's own composition (ledger, vault, access layer, audit trail) in a temporary
/// data directory, the FHIR services over it, and (on demand) the FHIR HTTP API on an in-memory test server with the
/// node's authorisation server.
/// </summary>
internal sealed class FhirTestNode : IAsyncDisposable
{
    private WebApplication? app;
    private bool closed;

    private FhirTestNode(TempDirectory directory, CareLedgerNode node)
    {
        Directory = directory;
        Node = node;
        Bundles = new BundleProcessor(Service);
    }

    public TempDirectory Directory { get; }

    public CareLedgerNode Node { get; }

    public string DataDirectory => Directory.Combine("data");

    public LedgerEngine Ledger => Node.Ledger;

    public Vault.Vault Vault => Node.Vault;

    public FhirService Service => Node.Fhir;

    public BundleProcessor Bundles { get; }

    /// <summary>The custodian's own service: what direct (non-HTTP) calls in tests act as.</summary>
    public static FhirCaller System { get; } = FhirCaller.Custodian("Test Hospital", "fhir-tests");

    public HttpClient Client { get; private set; } = null!;

    public static async Task<FhirTestNode> StartAsync(bool http = false)
    {
        var directory = new TempDirectory();
        var paths = NodePaths.For(directory.Combine("data"));
        var node = await CareLedgerNode.InitializeAsync(paths, new NodeConfig { Origin = "careledger.test/fhir", OrganisationName = "Test Hospital" }, CancellationToken.None,
            FhirServerOptions.Default with { ExportDirectory = directory.Combine("export"), MaxRequestBytes = 2 * 1024 * 1024 });
        var testNode = new FhirTestNode(directory, node);
        if (http)
        {
            await testNode.StartHttpAsync();
        }

        return testNode;
    }

    /// <summary>
    /// How many record-writing transactions the ledger holds. Ledger size alone also counts the audit trail's anchors,
    /// which every read adds; "nothing was written" means this did not change.
    /// </summary>
    public long RecordTransactionCount()
    {
        long count = 0;
        for (var leaf = 0L; leaf < Ledger.Size; leaf++)
        {
            if (Ledger.ReadTransaction(leaf).Transaction.Type == CareLedger.Ledger.Transactions.TxType.RecordsCommitted)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Waits until every audit record so far is anchored, so that ledger sizes compare only the work of the test.</summary>
    public System.Threading.Tasks.Task SettleAuditAsync() => Node.Audit.FlushAsync(CancellationToken.None);

    /// <summary>The backend service the tests call the API as (client credentials, all system scopes).</summary>
    public const string SystemClientId = "fhir-tests";
    public const string SystemClientSecret = "fhir-tests-secret-0123456789";

    private async System.Threading.Tasks.Task StartHttpAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddCareLedgerIdentity(new IdentityOptions(DataDirectory) { Issuer = new Uri("http://localhost/"), Organisation = "Test Hospital" });
        builder.Services.AddCareLedgerFhir(Service);
        app = builder.Build();
        app.UseCareLedgerIdentity();
        app.MapCareLedgerIdentity();
        app.MapCareLedgerFhir();
        await app.StartAsync();
        var identities = app.Services.GetRequiredService<IdentityStore>();
        if (await identities.FindClientAsync(SystemClientId) is null)
        {
            await identities.AddClientAsync(new ClientRegistration(SystemClientId, ClientKind.System)
            {
                Secret = SystemClientSecret,
                AllowedScopes = "system/*.cruds",
            });
        }
        using var tokenClient = app.GetTestClient();
        tokenClient.BaseAddress = new Uri("http://localhost/");
        var token = await OAuthFlows.AccessTokenAsync(tokenClient, SystemClientId, SystemClientSecret, "system/*.cruds");
        Client = AnonymousClient();
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>Stops the HTTP server and its hosted services and starts new ones over the same node and directories.</summary>
    public async System.Threading.Tasks.Task RestartHttpAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            app = null;
        }

        Client.Dispose();
        await StartHttpAsync();
    }

    public string ExportDirectory => Directory.Combine("export");

    /// <summary>A client of the same server without credentials.</summary>
    public HttpClient AnonymousClient()
    {
        var client = app!.GetTestClient();
        client.BaseAddress = new Uri("http://localhost/fhir/");
        return client;
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

    /// <summary>Closes the node and runs the same verification as <c>careledger verify</c> over its files.</summary>
    public async Task<VerifyReport> CloseAndVerifyLedgerAsync()
    {
        await CloseAsync();
        return await LedgerEngine.VerifyAsync(DataDirectory, null, CancellationToken.None);
    }

    private async System.Threading.Tasks.Task CloseAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            app = null;
        }

        if (!closed)
        {
            closed = true;
            await Node.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        Directory.Dispose();
    }
}
