using System.Buffers;
using System.Globalization;
using System.Text;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Storage;
using CareLedger.Fhir.Validation;
using Hl7.Fhir.Model;

using CareLedger.Access.Gate;
using CareLedger.Identity.Api;

namespace CareLedger.Fhir.Api;

/// <summary>The HTTP edge: reading bodies within the size limit, writing resources and OperationOutcomes with headers.</summary>
internal static class FhirHttp
{
    public static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}/fhir";

    /// <summary>Reads the body (413 above the limit) and parses it strictly; 400 lists every problem.</summary>
    public static async Task<Resource> ReadResourceAsync(HttpRequest request, long maxBytes, CancellationToken ct)
    {
        var format = FhirFormats.ForRequestBody(request);
        var body = await ReadBodyAsync(request, maxBytes, ct);
        return format == FhirFormat.Xml ? FhirSerialization.ParseXml(body) : FhirSerialization.ParseJson(body);
    }

    public static async Task<byte[]> ReadBodyAsync(HttpRequest request, long maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes)
        {
            throw FhirProblemException.TooLarge($"the request body is {request.ContentLength} bytes; at most {maxBytes} are accepted");
        }

        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is > 0 and < 1 << 20 ? (int)request.ContentLength : 64 * 1024);
        var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.WrittenCount + read > maxBytes)
                {
                    throw FhirProblemException.TooLarge($"the request body exceeds {maxBytes} bytes");
                }

                buffer.Write(chunk.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static IResult Resource(HttpContext context, Base resource, int status = StatusCodes.Status200OK)
    {
        var format = FhirFormats.ForResponse(context.Request);
        return format == FhirFormat.Xml
            ? new BytesResult(FhirSerialization.ToXmlBytes(resource), FhirFormats.XmlMediaType + "; charset=utf-8", status)
            : new BytesResult(Encoding.UTF8.GetBytes(FhirSerialization.ToJson(resource, Pretty(context))), FhirFormats.JsonMediaType + "; charset=utf-8", status);
    }

    /// <summary>A stored resource: its canonical JSON goes out as stored, without parsing, unless XML is asked for.</summary>
    public static IResult StoredResource(HttpContext context, byte[] json, ResourceHead head)
    {
        SetVersionHeaders(context, head.Version, head.LastUpdated);
        var format = FhirFormats.ForResponse(context.Request);
        return format == FhirFormat.Json && !Pretty(context)
            ? Results.Bytes(json, FhirFormats.JsonMediaType + "; charset=utf-8")
            : Resource(context, FhirSerialization.ParseJson(json));
    }

    public static IResult Written(HttpContext context, WriteResult result)
    {
        if (result.Status == StatusCodes.Status204NoContent)
        {
            return Results.NoContent();
        }

        SetVersionHeaders(context, result.Version, result.LastUpdated);
        context.Response.Headers.Location = $"{BaseUrl(context.Request)}/{result.Location}";
        var prefer = ReturnPreference(context.Request);
        return prefer switch
        {
            "minimal" => Results.StatusCode(result.Status),
            "OperationOutcome" => Resource(context, OperationOutcomes.Information($"{result.ResourceType}/{result.Id} version {result.Version} stored"), result.Status),
            _ => result.Resource is null ? Results.StatusCode(result.Status) : Resource(context, result.Resource, result.Status),
        };
    }

    /// <summary>
    /// The answer to an exception out of a /fhir endpoint (the group's exception filter, and the read routes that map their
    /// own): a <see cref="FhirProblemException"/> as its OperationOutcome and status, a malformed request as 400 (413 when
    /// too large), a request the client abandoned as nothing, anything else as a 500 OperationOutcome (logged by type).
    /// Not for <see cref="OutOfMemoryException"/>, which callers let through.
    /// </summary>
    public static IResult ProblemFor(HttpContext context, Exception exception)
    {
        switch (exception)
        {
            case FhirProblemException problem:
                return Problem(context, problem);
            case BadHttpRequestException bad:
                return Problem(context, bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? FhirProblemException.TooLarge(bad.Message)
                    : FhirProblemException.BadRequest(bad.Message));
            case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                return Results.Empty;
            default:
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("CareLedger.Fhir")
                    .LogError("FHIR request failed unexpectedly: {Type}", exception.GetType().Name);
                return Problem(context, new FhirProblemException(StatusCodes.Status500InternalServerError,
                    OperationOutcome.IssueType.Exception, $"internal error ({exception.GetType().Name}); nothing was changed unless a response said so"));
        }
    }

    public static IResult Problem(HttpContext context, FhirProblemException problem)
    {
        if (problem.Status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden && problem.AuditId is null)
        {
            // Refused beside the door (the door records its own): the refusal goes into the same audit trail.
            AccessApi.RefusalAudit.Record(context, problem.Status, problem.Message);
        }

        if (problem.Status == StatusCodes.Status406NotAcceptable)
        {
            return new BytesResult(Encoding.UTF8.GetBytes(FhirSerialization.ToJson(problem.Outcome)), FhirFormats.JsonMediaType, problem.Status);
        }

        try
        {
            return Resource(context, problem.Outcome, problem.Status);
        }
        catch (FhirProblemException)
        {
            return new BytesResult(Encoding.UTF8.GetBytes(FhirSerialization.ToJson(problem.Outcome)), FhirFormats.JsonMediaType, problem.Status);
        }
    }

    /// <summary>Prefer: return=minimal | representation | OperationOutcome (default representation).</summary>
    public static string ReturnPreference(HttpRequest request)
    {
        foreach (var value in request.Headers["Prefer"])
        {
            foreach (var part in (value ?? string.Empty).Split(',', ';'))
            {
                var trimmed = part.Trim();
                if (trimmed.StartsWith("return=", StringComparison.OrdinalIgnoreCase))
                {
                    return trimmed["return=".Length..];
                }
            }
        }

        return "representation";
    }

    public static bool PrefersAsync(HttpRequest request) =>
        request.Headers["Prefer"].Any(v => v is not null && v.Contains("respond-async", StringComparison.OrdinalIgnoreCase));

    private static void SetVersionHeaders(HttpContext context, int version, DateTimeOffset lastUpdated)
    {
        context.Response.Headers.ETag = $"W/\"{version.ToString(CultureInfo.InvariantCulture)}\"";
        context.Response.Headers.LastModified = lastUpdated.ToString("R", CultureInfo.InvariantCulture);
    }

    private static bool Pretty(HttpContext context) => context.Request.Query["_pretty"] == "true";

    /// <summary>The purpose of use the caller declares (a v3 ActReason code); absent means the role's default.</summary>
    public const string PurposeHeader = "CareLedger-Purpose-Of-Use";

    /// <summary>Break-glass: the clinician's reason, in plain words (with <see cref="BreakGlassUntilHeader"/>).</summary>
    public const string BreakGlassReasonHeader = "CareLedger-Break-Glass-Reason";

    /// <summary>Break-glass: when the emergency access ends (an ISO 8601 instant, within the profile's maximum).</summary>
    public const string BreakGlassUntilHeader = "CareLedger-Break-Glass-Until";

    /// <summary>The authenticated caller of this request and its declared circumstances, for the access layer.</summary>
    public static FhirCaller Caller(HttpContext context) => Caller(context, context.GetAccessor());

    /// <summary><see cref="Caller(HttpContext)"/> with the door's view of the caller already in hand (the caller this request was admitted as).</summary>
    public static FhirCaller Caller(HttpContext context, Accessor who)
    {
        var caller = CallerUnnoted(context, who);
        AccessApi.RefusalAudit.NoteDoorConsulted(context);
        return caller;
    }

    /// <summary>
    /// <see cref="Caller(HttpContext, Accessor)"/> without noting on the request that the door is consulted: for a handler
    /// that notes it itself (<see cref="AccessApi.RefusalAudit.NoteDoorConsulted"/>) only when an error follows, the one
    /// case in which anything reads the note.
    /// </summary>
    internal static FhirCaller CallerUnnoted(HttpContext context, Accessor who)
    {
        var headers = context.Request.Headers;
        var purpose = FirstValue(headers[PurposeHeader]);
        var reason = FirstValue(headers[BreakGlassReasonHeader]);
        var until = FirstValue(headers[BreakGlassUntilHeader]);
        BreakGlassRequest? breakGlass = null;
        if (reason is not null || until is not null)
        {
            if (string.IsNullOrWhiteSpace(reason) || until is null)
            {
                throw FhirProblemException.BadRequest($"break-glass needs both {BreakGlassReasonHeader} (why) and {BreakGlassUntilHeader} (until when)");
            }

            if (!DateTimeOffset.TryParse(until, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expires) || !until.Contains('T', StringComparison.Ordinal))
            {
                throw FhirProblemException.BadRequest($"{BreakGlassUntilHeader} '{until}' is not an ISO 8601 instant such as 2026-11-25T18:00:00Z");
            }

            breakGlass = new BreakGlassRequest(reason.Trim(), expires);
        }

        if (purpose is not null && (purpose.Length is 0 or > 64 || !purpose.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or ':' or '/' or '|' or '_')))
        {
            throw FhirProblemException.BadRequest($"{PurposeHeader} must be a purpose-of-use code such as TREAT, ETREAT, HRESCH or PATRQT");
        }

        return new FhirCaller(who, new AccessContext(purpose, context.TraceIdentifier) { BreakGlass = breakGlass });
    }

    // The first value of a header, as LINQ's FirstOrDefault would give it, without boxing the StringValues on every read.
    private static string? FirstValue(Microsoft.Extensions.Primitives.StringValues values) => values.Count == 0 ? null : values[0];
}
