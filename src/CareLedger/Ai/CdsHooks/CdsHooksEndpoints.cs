using System.Text.Json;
using CareLedger.Ai.Api;
using CareLedger.Ai.Inference;
using CareLedger.Ai.Registry;
using CareLedger.Fhir.Api;
using CareLedger.Fhir.Errors;

namespace CareLedger.Ai.CdsHooks;

/// <summary>
/// A CDS Hooks service (A7): <c>GET /cds-services</c> lists, for every model name whose latest version serves (verified
/// and deployable), a <c>patient-view</c> and an <c>order-select</c> service (<c>{model name}-{hook}</c>); <c>POST
/// /cds-services/{id}</c> predicts for <c>context.patientId</c> through the access layer, as the bearer token's caller,
/// and answers with cards. The data is this node's own, so no prefetch or fhirAuthorization is used.
/// </summary>
internal static class CdsHooksEndpoints
{
    public const string PatientView = "patient-view";
    public const string OrderSelect = "order-select";

    private const int MaxBodyBytes = 1024 * 1024;
    private static readonly string[] Hooks = [PatientView, OrderSelect];

    public static void Map(RouteGroupBuilder cds)
    {
        cds.MapGet("", (AiServices services) => Results.Json(new CdsDiscovery([.. Services(services).Select(s => s.Service)]), CdsJson.Options));

        cds.MapPost("/{id}", async (HttpContext context, AiServices services, string id, CancellationToken ct) =>
        {
            var (service, model) = Services(services).FirstOrDefault(s => s.Service.Id == id);
            if (service is null)
            {
                throw FhirProblemException.NotFound($"no CDS service '{id}' (GET /cds-services lists them)");
            }

            using var body = JsonDocument.Parse(await FhirHttp.ReadBodyAsync(context.Request, MaxBodyBytes, ct));
            var request = body.RootElement;
            var hook = Text(request, "hook");
            if (hook != service.Hook)
            {
                throw FhirProblemException.BadRequest($"service {id} answers the {service.Hook} hook, not {hook}");
            }

            _ = Text(request, "hookInstance");
            var patientId = request.TryGetProperty("context", out var hookContext) ? Text(hookContext, "patientId") : throw FhirProblemException.BadRequest("the request needs a context with a patientId");
            var baseUrl = AiEndpoints.BaseUrl(context.Request);
            CdsCard[] cards;
            try
            {
                var result = await services.Inference.PredictAsync(FhirHttp.Caller(context), model.Id, patientId, baseUrl, ct);
                cards = [CdsCards.Prediction(result, baseUrl)];
            }
            catch (InferenceRefusedException refused)
            {
                cards = [CdsCards.Refused(model.Model, refused, baseUrl)];
            }
            catch (ModelInputsException)
            {
                // The patient's record has nothing this model can score: nothing to say.
                cards = [];
            }

            return Results.Json(new CdsResponse(cards), CdsJson.Options);
        });
    }

    /// <summary>Two services per model that serves now (the latest version of its name, verified and deployable).</summary>
    private static IEnumerable<(CdsService Service, ServableModel Model)> Services(AiServices services) =>
        services.Registry.Serving()
            .SelectMany(m => Hooks.Select(hook => (new CdsService(hook, $"{m.Card.Name}-{hook}", Title(m.Model, hook), Description(m.Model, hook)), m)));

    private static string Title(RegisteredModel model, string hook) =>
        $"{model.Card.Outcome} ({(hook == PatientView ? "on opening the chart" : "when selecting an order")})";

    private static string Description(RegisteredModel model, string hook) =>
        $"Probability of '{model.Card.Outcome}' by model {model.Id} ({model.Card.IntendedUse.Description}), explained per feature, with the ledger receipt of each prediction." +
        (hook == OrderSelect ? " Shown beside the selected orders; the orders themselves are not read." : "");

    private static string Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw FhirProblemException.BadRequest($"the CDS Hooks request needs a string '{name}'");
}
