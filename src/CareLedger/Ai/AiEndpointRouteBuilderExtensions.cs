using CareLedger.Ai.Api;
using CareLedger.Ai.CdsHooks;
using CareLedger.Identity.Api;
using CareLedger.Node;

namespace CareLedger.Ai;

/// <summary>Composition of the AI feature for the node's host.</summary>
internal static class AiEndpointRouteBuilderExtensions
{
    /// <summary>One <see cref="AiServices"/> over the node, disposed with the host (before the node).</summary>
    public static IServiceCollection AddCareLedgerAi(this IServiceCollection services, CareLedgerNode node, AiOptions? options = null) =>
        services.AddSingleton(_ => AiServices.Create(node, options));

    /// <summary>
    /// Maps <c>/ai/*</c>, <c>/fhir/Patient/{id}/$predict</c> and <c>/cds-services</c>; every route needs a bearer token and
    /// every error is an OperationOutcome. Map it before the generic FHIR routes.
    /// </summary>
    public static IEndpointRouteBuilder MapCareLedgerAi(this IEndpointRouteBuilder app)
    {
        AiEndpoints.MapAi(Guarded(app, "/ai"));
        AiEndpoints.MapFhir(Guarded(app, "/fhir"));
        CdsHooksEndpoints.Map(Guarded(app, "/cds-services"));
        return app;
    }

    private static RouteGroupBuilder Guarded(IEndpointRouteBuilder app, string prefix)
    {
        var group = app.MapGroup(prefix);
        group.AddEndpointFilter(new AiProblems());
        return group.MapGroup(string.Empty).RequireCaller();
    }
}
