using System.Text.Json;
using System.Text.Json.Nodes;
using CareLedger.Ai.Registry;
using CareLedger.Ai.Inference;
using CareLedger.Analytics.Deployment;
using CareLedger.Fhir.Api;
using CareLedger.Fhir.Errors;
using Hl7.Fhir.Model;

namespace CareLedger.Ai.Api;

/// <summary>
/// <c>POST /ai/predict</c>, <c>GET|POST /fhir/Patient/{id}/$predict</c> (a FHIR RiskAssessment, or a DiagnosticReport for a
/// diagnostic model), and the registry for
/// readers of model cards: <c>GET /ai/models</c>, <c>/ai/models/{id}</c>, <c>/ai/models/{id}/bias-report</c>.
/// Every route needs a bearer token; the door decides what a prediction may read.
/// </summary>
internal static class AiEndpoints
{
    private const int MaxBodyBytes = 64 * 1024;

    public static void MapAi(RouteGroupBuilder ai)
    {
        ai.MapPost("/predict", async (HttpContext context, AiServices services, CancellationToken ct) =>
        {
            using var body = JsonDocument.Parse(await FhirHttp.ReadBodyAsync(context.Request, MaxBodyBytes, ct));
            var model = Text(body.RootElement, "model");
            var patient = Text(body.RootElement, "patient");
            var patientId = patient.StartsWith("Patient/", StringComparison.Ordinal) ? patient["Patient/".Length..] : patient;
            return await PredictAsync(context, services, model, patientId, ct);
        });

        ai.MapGet("/models", (AiServices services) =>
            Results.Json(new JsonArray([.. services.Registry.List().Select(m => Describe(m, services.Registry.Verify(m.Id), context: null))])));

        ai.MapGet("/models/{id}", (HttpContext context, AiServices services, string id) =>
        {
            var model = services.Registry.Get(id);
            return Results.Json(Describe(model, services.Registry.Verify(model.Id), context));
        });

        ai.MapGet("/models/{id}/bias-report", (AiServices services, string id) =>
        {
            var model = services.Registry.Get(id);
            return File.Exists(model.BiasReportPath)
                ? Results.File(File.ReadAllBytes(model.BiasReportPath), "text/html; charset=utf-8")
                : throw FhirProblemException.NotFound($"model {model.Id} has no bias report");
        });
    }

    /// <summary>The FHIR operation on a Patient; the model is <c>?model=</c> or, for POST, a Parameters body's <c>model</c>.</summary>
    public static void MapFhir(RouteGroupBuilder fhir)
    {
        fhir.MapGet("/Patient/{id}/$predict", (HttpContext context, AiServices services, string id, string? model, CancellationToken ct) =>
            PredictAsync(context, services, model ?? throw FhirProblemException.BadRequest("name the model: $predict?model=name@version (or a name for its latest version)"), id, ct));

        fhir.MapPost("/Patient/{id}/$predict", async (HttpContext context, AiServices services, string id, string? model, CancellationToken ct) =>
        {
            if (model is null && context.Request.ContentLength is not 0)
            {
                var resource = await FhirHttp.ReadResourceAsync(context.Request, MaxBodyBytes, ct);
                model = resource is Parameters parameters && parameters.Parameter.FirstOrDefault(p => p.Name == "model")?.Value is FhirString name
                    ? name.Value
                    : throw FhirProblemException.BadRequest("the body must be a Parameters resource with a string parameter 'model'");
            }

            return await PredictAsync(context, services, model ?? throw FhirProblemException.BadRequest("name the model: ?model= or a Parameters body"), id, ct);
        });
    }

    public static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";

    private static async Task<IResult> PredictAsync(HttpContext context, AiServices services, string model, string patientId, CancellationToken ct)
    {
        var baseUrl = BaseUrl(context.Request);
        var result = await services.Inference.PredictAsync(FhirHttp.Caller(context), model, patientId, baseUrl, ct);
        return FhirHttp.Resource(context, result.Record ?? PredictionResources.From(result, baseUrl));
    }

    private static JsonObject Describe(RegisteredModel model, ModelVerification verification, HttpContext? context)
    {
        var description = new JsonObject
        {
            ["id"] = model.Id,
            ["name"] = model.Card.Name,
            ["version"] = model.Card.Version,
            ["kind"] = JsonNamingPolicy.KebabCaseLower.ConvertName(model.Card.Kind.ToString()),
            ["modelSha256"] = model.Card.ModelSha256,
            ["outcome"] = model.Card.Outcome,
            ["meanAuroc"] = model.Card.Metrics.MeanAuroc,
            ["registered"] = new JsonObject
            {
                ["transaction"] = model.Registration.Transaction,
                ["leafIndex"] = model.Registration.LeafIndex,
                ["at"] = model.Registration.RegisteredAt,
            },
            ["intact"] = verification.Intact,
            ["problems"] = new JsonArray([.. verification.Problems.Select(p => (JsonNode)p)]),
            ["deployable"] = verification.Deployable,
            ["gate"] = Gate(verification.Gate),
        };
        if (context is not null)
        {
            description["card"] = JsonNode.Parse(model.Card.ToCanonicalJson());
            description["cardReceipt"] = $"{BaseUrl(context.Request)}/ledger/receipts/{model.Registration.Transaction}";
            description["biasReport"] = $"{BaseUrl(context.Request)}/ai/models/{model.Id}/bias-report";
        }

        return description;
    }

    private static JsonObject Gate(GateDecision gate) => new()
    {
        ["passed"] = gate.Passed,
        ["checks"] = new JsonArray([.. gate.Checks.Select(c => (JsonNode)new JsonObject { ["criterion"] = c.Criterion, ["passed"] = c.Passed, ["detail"] = c.Detail })]),
        ["override"] = gate.Override is { } o ? new JsonObject { ["actor"] = o.Actor, ["reason"] = o.Reason, ["time"] = o.Time } : null,
    };

    private static string Text(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw FhirProblemException.BadRequest($"the body needs a string '{name}' (e.g. {{\"model\": \"pima-diabetes-risk@1.0.0\", \"patient\": \"Patient/123\"}})");
}
