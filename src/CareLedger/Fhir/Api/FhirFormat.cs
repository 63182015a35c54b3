using CareLedger.Fhir.Errors;
using Microsoft.Net.Http.Headers;

namespace CareLedger.Fhir.Api;

/// <summary>The two wire formats: JSON (default) and XML, chosen by <c>_format</c> or Accept / Content-Type.</summary>
public enum FhirFormat
{
    Json,
    Xml,
}

internal static class FhirFormats
{
    public const string JsonMediaType = "application/fhir+json";
    public const string XmlMediaType = "application/fhir+xml";

    public static FhirFormat ForResponse(HttpRequest request)
    {
        if (request.Query.TryGetValue("_format", out var format) && format.Count > 0)
        {
            return Parse(format[0]!) ?? throw new FhirProblemException(StatusCodes.Status406NotAcceptable,
                Hl7.Fhir.Model.OperationOutcome.IssueType.NotSupported, $"_format '{format[0]}' is not supported (json or xml)");
        }

        var accept = request.GetTypedHeaders().Accept;
        if (accept is null || accept.Count == 0)
        {
            return FhirFormat.Json;
        }

        foreach (var media in accept.OrderByDescending(a => a.Quality ?? 1))
        {
            if (Parse(media.MediaType.Value) is { } chosen)
            {
                return chosen;
            }

            if (media.MediaType.Value is "*/*" or "application/*")
            {
                return FhirFormat.Json;
            }
        }

        throw new FhirProblemException(StatusCodes.Status406NotAcceptable, Hl7.Fhir.Model.OperationOutcome.IssueType.NotSupported,
            "none of the Accept media types is served (application/fhir+json, application/fhir+xml)");
    }

    public static FhirFormat ForRequestBody(HttpRequest request)
    {
        if (string.IsNullOrEmpty(request.ContentType))
        {
            return FhirFormat.Json;
        }

        return MediaTypeHeaderValue.TryParse(request.ContentType, out var media) && Parse(media.MediaType.Value) is { } format
            ? format
            : throw new FhirProblemException(StatusCodes.Status415UnsupportedMediaType, Hl7.Fhir.Model.OperationOutcome.IssueType.NotSupported,
                $"Content-Type '{request.ContentType}' is not supported (application/fhir+json or application/fhir+xml)");
    }

    private static FhirFormat? Parse(string? value) => value?.ToLowerInvariant() switch
    {
        "json" or "application/json" or "application/fhir+json" or "application/json+fhir" => FhirFormat.Json,
        "xml" or "text/xml" or "application/xml" or "application/fhir+xml" or "application/xml+fhir" => FhirFormat.Xml,
        _ => null,
    };
}
