using System.Text.Json;
using CareLedger.Ai.Inference;
using CareLedger.Ai.Registry;
using CareLedger.Analytics.Registry;
using CareLedger.Fhir.Api;
using CareLedger.Fhir.Errors;
using Hl7.Fhir.Model;

namespace CareLedger.Ai.Api;

/// <summary>Every failure of an AI route becomes an OperationOutcome with its HTTP status; nothing was anchored when one is returned.</summary>
internal sealed class AiProblems : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (OperationCanceledException) when (context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
        catch (Exception e) when (ProblemOf(e) is { } problem)
        {
            return FhirHttp.Problem(context.HttpContext, problem);
        }
    }

    public static FhirProblemException? ProblemOf(Exception e) => e switch
    {
        FhirProblemException p => p,
        BadHttpRequestException bad => bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? FhirProblemException.TooLarge(bad.Message) : FhirProblemException.BadRequest(bad.Message),
        JsonException json => FhirProblemException.BadRequest($"the body is not valid JSON: {json.Message}"),
        ModelNotFoundException missing => FhirProblemException.NotFound(missing.Message),
        ModelIntegrityException refused => FhirProblemException.Conflict(refused.Message),
        ModelNotDeployableException gated => FhirProblemException.Conflict(gated.Message),
        InferenceRefusedException refused => new FhirProblemException(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, refused.Message),
        KeyNotFoundException missing => FhirProblemException.NotFound(missing.Message),
        ArgumentException bad => FhirProblemException.Unprocessable(bad.Message),
        _ => null,
    };
}
