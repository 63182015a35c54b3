using CareLedger.Access.Gate;
using CareLedger.Fhir.Api;
using CareLedger.Fhir.Errors;
using Hl7.Fhir.Model;

namespace CareLedger.AccessApi;

/// <summary>The same error handling as /fhir: every failure becomes an OperationOutcome with its HTTP status.</summary>
internal sealed class AccessProblemFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        try
        {
            return await next(context);
        }
        catch (FhirProblemException problem)
        {
            return FhirHttp.Problem(http, problem);
        }
        catch (AccessDeniedException denied)
        {
            return FhirHttp.Problem(http, FhirProblemException.Forbidden(denied));
        }
        catch (BadHttpRequestException bad)
        {
            return FhirHttp.Problem(http, bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? FhirProblemException.TooLarge(bad.Message)
                : FhirProblemException.BadRequest(bad.Message));
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("CareLedger.AccessApi")
                .LogError("access API request failed unexpectedly: {Type}", e.GetType().Name);
            return FhirHttp.Problem(http, new FhirProblemException(StatusCodes.Status500InternalServerError,
                OperationOutcome.IssueType.Exception, $"internal error ({e.GetType().Name}); nothing was changed unless a response said so"));
        }
    }
}
