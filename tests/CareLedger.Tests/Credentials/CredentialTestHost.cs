using CareLedger.Access.Credentials;
using CareLedger.Credentials;
using CareLedger.Identity;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CareLedger.Tests.Credentials;

/// <summary>
/// A real Kestrel host on 127.0.0.1:0 with a ledger, a licensing board's credential registry, the identity feature (bearer
/// tokens) and the credential endpoints: what the node maps, without the FHIR layer.
/// </summary>
internal sealed class CredentialTestHost : IAsyncDisposable
{
    public const string BoardName = "Test Medical Board";

    private CredentialTestHost(TempDirectory directory, LedgerEngine ledger, CredentialRegistry registry, WebApplication app, AuthorKey board)
    {
        Directory = directory;
        Ledger = ledger;
        Registry = registry;
        App = app;
        Board = board;
        BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/");
    }

    public TempDirectory Directory { get; }

    public string DataDirectory => Directory.Combine("data");

    public LedgerEngine Ledger { get; }

    public CredentialRegistry Registry { get; }

    public WebApplication App { get; }

    public AuthorKey Board { get; }

    public Uri BaseAddress { get; }

    public static async Task<CredentialTestHost> StartAsync()
    {
        var directory = new TempDirectory();
        var data = directory.Combine("data");
        var ledger = await LedgerEngine.InitializeAsync(new LedgerOptions(data) { CheckpointInterval = TimeSpan.FromMilliseconds(50) },
            "credentials.test/node", "Test Hospital", CancellationToken.None);
        var registry = CredentialRegistry.Open(new CredentialRegistryOptions(data) { BoardName = BoardName }, ledger);
        var board = await registry.EnsureIssuerKeyAsync();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddCareLedgerIdentity(new IdentityOptions(data) { Organisation = "Test Hospital" });
        builder.Services.AddSingleton(registry);
        var app = builder.Build();
        app.UseCareLedgerIdentity();
        app.MapCareLedgerIdentity();
        app.MapCareLedgerCredentials();
        await app.StartAsync();
        return new CredentialTestHost(directory, ledger, registry, app, board);
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    /// <summary>An access token of this node for a person of <paramref name="role"/> (signed with the node's own token key).</summary>
    public string TokenFor(string role, string fhirUser) => CredentialTokens.Mint(DataDirectory, BaseAddress, role, fhirUser);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Registry.Dispose();
        await Ledger.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Dispose();
    }
}
