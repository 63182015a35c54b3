using CareLedger.Fhir.Api;
using CareLedger.Fhir.Bundles;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Export;
using CareLedger.Identity.Api;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir;

/// <summary>Composition of the FHIR layer for the node's host.</summary>
public static class FhirServiceCollectionExtensions
{
    /// <summary>
    /// Registers the FHIR services around an existing <see cref="FhirService"/>, so that the HTTP API, the importer
    /// and the node share one repository (one group-commit queue). Its options decide the export directory.
    /// </summary>
    public static IServiceCollection AddCareLedgerFhir(this IServiceCollection services, FhirService service)
    {
        services.AddSingleton(service);
        // The door itself, for the refusals decided beside it (authentication, access API) to be recorded in its trail.
        services.AddSingleton(service.Repository.Gate);
        services.AddSingleton(new BundleProcessor(service));
        services.AddSingleton(sp => new BulkExportService(service, sp.GetRequiredService<ILoggerFactory>().CreateLogger<BulkExportService>()));
        services.AddHostedService(sp => sp.GetRequiredService<BulkExportService>());
        return services;
    }

    /// <summary>Maps the FHIR R4 API at /fhir; every error becomes an OperationOutcome with its HTTP status.</summary>
    public static IEndpointRouteBuilder MapCareLedgerFhir(this IEndpointRouteBuilder app)
    {
        var fhir = app.MapGroup("/fhir");
        fhir.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return FhirHttp.ProblemFor(context.HttpContext, e);
            }
        });
        // What the server supports is public (SMART discovery needs it before any token); everything else needs a caller.
        FhirEndpoints.MapPublic(fhir);
        var data = fhir.MapGroup(string.Empty).RequireCaller();
        BulkExportEndpoints.Map(data);
        FhirEndpoints.Map(data);
        // The reads by id, outside both groups: they authenticate and answer errors in their handlers, as the filters would.
        FhirEndpoints.MapReads(app);
        return app;
    }
}
