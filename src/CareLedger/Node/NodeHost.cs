using CareLedger.AccessApi;
using CareLedger.Ai;
using CareLedger.Credentials;
using CareLedger.Fhir;
using CareLedger.Identity;
using CareLedger.LedgerApi;
using CareLedger.Locator;
using CareLedger.Portal;

namespace CareLedger.Node;

/// <summary>Builds the HTTP host of a node: the one place where endpoints are mapped.</summary>
internal static class NodeHost
{
    public const string DefaultUrls = "http://127.0.0.1:8080";

    public static WebApplication Build(CareLedgerNode node, string urls)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.WebHost.UseUrls(urls);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        // Request-level lines are not Information: per-request logging is noise, and a URL may carry an id.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        // Every portal page with a form makes antiforgery say, at Warning, that it set no-cache headers: that is what a page
        // with a form token should carry, and one line per page view is noise.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Antiforgery", LogLevel.Error);
        builder.Services.AddSingleton(node);
        builder.Services.AddCareLedgerIdentity(new IdentityOptions(node.Paths.DataDirectory) { Organisation = node.Config.OrganisationName });
        builder.Services.AddCareLedgerPortal();
        builder.Services.AddCareLedgerFhir(node.Fhir);
        builder.Services.AddSingleton(node.Credentials);
        builder.Services.AddCareLedgerAi(node);
        builder.Services.AddCareLedgerLocator(node);

        var app = builder.Build();
        var consortiumLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CareLedger.Consortium");
        LogAlarms(node, consortiumLogger);
        LogRecoveries(node, consortiumLogger);
        app.UseCareLedgerIdentity();
        app.MapCareLedgerIdentity();
        app.MapLedgerEndpoints();
        // Before the generic FHIR routes, so that /fhir/AuditEvent and the Patient operations win over /fhir/{type}.
        app.MapCareLedgerAccess();
        app.MapCareLedgerLocator();
        app.MapCareLedgerAi();
        app.MapCareLedgerFhir();
        app.MapCareLedgerCredentials();
        app.MapCareLedgerPortal();
        return app;
    }

    /// <summary>A consortium alarm is one critical line naming the evidence (and where its file is), now and whenever one is raised.</summary>
    private static void LogAlarms(CareLedgerNode node, ILogger logger)
    {
        void Log(Ledger.Engine.LedgerAlarm alarm) => logger.LogCritical(
            "CONSORTIUM ALARM ({Kind}){Member}: {Description}. This member accepts no writes; evidence in {Directory}",
            alarm.Kind, alarm.Member is null ? "" : $" naming member '{alarm.Member}'", alarm.Description, Path.Combine(node.Paths.DataDirectory, "consortium", "evidence"));
        node.Ledger.AlarmRaised += Log;
        foreach (var alarm in node.Ledger.Alarms)
        {
            Log(alarm);
        }
    }

    /// <summary>A fault the member recovered from by itself (ADR 0005) is one warning line: sizes and stream sequences only.</summary>
    private static void LogRecoveries(CareLedgerNode node, ILogger logger)
    {
        void Log(Ledger.Engine.LedgerRecovery recovery) => logger.LogWarning(
            "CONSORTIUM RECOVERED ({Kind}): {Description}", recovery.Kind, recovery.Description);
        node.Ledger.Recovered += Log;
        foreach (var recovery in node.Ledger.Recoveries)
        {
            Log(recovery);
        }
    }

    /// <summary>The addresses Kestrel actually bound (resolves port 0 to the chosen port).</summary>
    public static IReadOnlyList<string> BoundAddresses(WebApplication app) =>
        app.Urls.Count > 0 ? [.. app.Urls] : [];
}
