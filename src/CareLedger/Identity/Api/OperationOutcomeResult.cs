using System.Text.Json;

namespace CareLedger.Identity.Api;

/// <summary>
/// A 401 or 403 with a FHIR OperationOutcome body and an RFC 6750 WWW-Authenticate header. Written without the FHIR
/// model: authentication answers before any FHIR processing, and the body is three fixed fields.
/// </summary>
public sealed class OperationOutcomeResult : IResult
{
    private OperationOutcomeResult(int statusCode, string issueCode, string diagnostics, string wwwAuthenticate)
    {
        StatusCode = statusCode;
        IssueCode = issueCode;
        Diagnostics = diagnostics;
        WwwAuthenticate = wwwAuthenticate;
    }

    public int StatusCode { get; }

    /// <summary>The FHIR issue type: <c>login</c> for 401, <c>forbidden</c> for 403.</summary>
    public string IssueCode { get; }

    public string Diagnostics { get; }

    public string WwwAuthenticate { get; }

    /// <summary>401: no token, or a token that is expired, forged, or for another issuer or audience.</summary>
    /// <param name="error">The RFC 6750 error code (<c>invalid_token</c>, ...), or null when no token was sent.</param>
    public static OperationOutcomeResult Unauthorized(string? error, string diagnostics) => new(
        StatusCodes.Status401Unauthorized,
        "login",
        diagnostics,
        error is null ? Challenge() : Challenge(("error", error), ("error_description", diagnostics)));

    /// <summary>403: a valid token without the scope the request needs.</summary>
    public static OperationOutcomeResult InsufficientScope(string requiredScope, string diagnostics) => new(
        StatusCodes.Status403Forbidden,
        "forbidden",
        diagnostics,
        Challenge(("error", "insufficient_scope"), ("error_description", diagnostics), ("scope", requiredScope)));

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        response.Headers.WWWAuthenticate = WwwAuthenticate;
        response.Headers.CacheControl = "no-store";
        response.ContentType = "application/fhir+json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteString("resourceType", "OperationOutcome");
        writer.WriteStartArray("issue");
        writer.WriteStartObject();
        writer.WriteString("severity", "error");
        writer.WriteString("code", IssueCode);
        writer.WriteString("diagnostics", Diagnostics);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static string Challenge(params (string Name, string Value)[] parameters)
    {
        var header = $"Bearer realm=\"careledger\"";
        foreach (var (name, value) in parameters)
        {
            header += $", {name}=\"{QuotedStringSafe(value)}\"";
        }

        return header;
    }

    /// <summary>RFC 6750 §3 values are quoted strings of visible ASCII without quotes or backslashes; anything else becomes '?'.</summary>
    private static string QuotedStringSafe(string value) =>
        string.Create(value.Length, value, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c is >= ' ' and <= '~' and not '"' and not '\\' ? c : '?';
            }
        });
}
