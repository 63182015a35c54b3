using System.Net;
using CareLedger.Identity;
using CareLedger.Identity.Accounts;
using CareLedger.Identity.Api;
using CareLedger.Identity.Scopes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CareLedger.Tests.Identity;

/// <summary>
/// A real Kestrel host on 127.0.0.1:0 with only the identity feature and one protected endpoint,
/// GET /fhir/Observation, that needs a scope permitting an Observation search and echoes the caller.
/// </summary>
internal sealed class IdentityTestHost : IAsyncDisposable
{
    public const string ProtectedPath = "fhir/Observation";

    private IdentityTestHost(WebApplication app, Uri baseAddress, IdentityOptions options)
    {
        App = app;
        BaseAddress = baseAddress;
        Options = options;
    }

    public WebApplication App { get; }

    /// <summary>The issuer: the bound address, ending in '/'.</summary>
    public Uri BaseAddress { get; }

    public IdentityOptions Options { get; }

    public Uri FhirBaseUrl => new(BaseAddress, "fhir");

    public IdentityStore Store => App.Services.GetRequiredService<IdentityStore>();

    public static async Task<IdentityTestHost> StartAsync(string dataDirectory, Func<IdentityOptions, IdentityOptions>? configure = null,
        ILoggerProvider? logs = null, string url = "http://127.0.0.1:0")
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var options = new IdentityOptions(dataDirectory) { Organisation = "Test General Hospital" };
        options = configure?.Invoke(options) ?? options;
        builder.Services.AddCareLedgerIdentity(options);
        if (logs is not null)
        {
            // Registered after the feature's own filters, so that these win and everything is captured.
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddFilter("OpenIddict", LogLevel.Trace);
            builder.Logging.AddFilter("Microsoft", LogLevel.Trace);
        }

        var app = builder.Build();
        app.UseCareLedgerIdentity();
        app.MapCareLedgerIdentity();
        app.MapGet("/" + ProtectedPath, (HttpContext context) =>
        {
            var caller = context.GetCaller();
            return Results.Json(new
            {
                subject = caller.Subject,
                role = caller.Role.ToName(),
                reference = caller.Reference?.ToString(),
                patient = caller.PatientId,
                client = caller.ClientId,
                organisation = caller.Organisation,
                scopes = caller.Scopes.ToString(),
                contexts = caller.Scopes.ContextsPermitting("Observation", FhirInteraction.Search).ToString(),
            });
        }).RequireSmartScope("Observation", FhirInteraction.Search);

        // Stands in for the FHIR layer's parameter routes, which must not shadow /fhir/.well-known/smart-configuration.
        app.MapGroup("/fhir").MapGet("/{type}/{id}", (string type, string id) => Results.Text($"{type}/{id}"));

        await app.StartAsync();
        return new IdentityTestHost(app, new Uri(app.Urls.First().TrimEnd('/') + "/"), options);
    }

    /// <summary>A client that keeps cookies and does not follow redirects, so each hop can be checked.</summary>
    public HttpClient CreateClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
        {
            BaseAddress = BaseAddress,
        };

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }
}
