using System.Text.Json;
using CareLedger.Access.Gate;
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
        var http = context.HttpContext;
        try
        {
            return await next(context);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
        catch (Exception e) when (ProblemOf(e) is { } problem)
        {
            return FhirHttp.Problem(http, problem);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The type only: a message could carry an id.
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("CareLedger.Ai")
                .LogError("AI request failed unexpectedly: {Type}", e.GetType().Name);
            return FhirHttp.Problem(http, new FhirProblemException(StatusCodes.Status500InternalServerError,
                OperationOutcome.IssueType.Exception, $"internal error ({e.GetType().Name}); no prediction was made or anchored"));
        }
    }

    public static FhirProblemException? ProblemOf(Exception e) => e switch
    {
        FhirProblemException p => p,
        AccessDeniedException denied => FhirProblemException.Forbidden(denied),
        InferenceRefusedException refused => FhirProblemException.Forbidden(new AccessDeniedException(StatusCodes.Status403Forbidden, refused.Message, [refused.Message], refused.AuditId)),
        BadHttpRequestException bad => bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? FhirProblemException.TooLarge(bad.Message) : FhirProblemException.BadRequest(bad.Message),
        JsonException json => FhirProblemException.BadRequest($"the body is not valid JSON: {json.Message}"),
        ModelNotFoundException missing => FhirProblemException.NotFound(missing.Message),
        ModelIntegrityException refused => FhirProblemException.Conflict(refused.Message),
        ModelNotDeployableException gated => FhirProblemException.Conflict(gated.Message),
        KeyNotFoundException missing => FhirProblemException.NotFound(missing.Message),
        ModelInputsException missing => FhirProblemException.Unprocessable(missing.Message),
        _ => null,
    };
}
