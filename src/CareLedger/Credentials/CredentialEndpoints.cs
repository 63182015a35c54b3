using System.Globalization;
using System.Text;
using System.Text.Json;
using CareLedger.Access.Credentials;
using CareLedger.Fhir.Api;
using CareLedger.Fhir.Errors;
using CareLedger.Identity.Api;
using CareLedger.Ledger.Engine;
using Hl7.Fhir.Model;

namespace CareLedger.Credentials;

/// <summary>
/// Practitioner credentials over HTTP (C8). <c>/credentials/verify</c> answers anyone, without a token: a relying party
/// checks a practitioner's VC-JWT against this ledger. Issuing, renewing, revoking and listing are for board officers.
/// Needs a <see cref="CredentialRegistry"/> singleton and the identity feature (bearer tokens).
/// </summary>
internal static class CredentialEndpoints
{
    private const int MaxBodyBytes = VcJwt.MaxLength + 1024;

    public static IEndpointRouteBuilder MapCareLedgerCredentials(this IEndpointRouteBuilder app)
    {
        var credentials = app.MapGroup("/credentials");
        credentials.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (Exception e) when (Problem(e) is { } problem)
            {
                return FhirHttp.Problem(context.HttpContext, problem);
            }
        });

        credentials.MapGet("/verify", (HttpContext context, CredentialRegistry registry, string? credential) =>
            string.IsNullOrWhiteSpace(credential)
                ? throw FhirProblemException.BadRequest("pass the VC-JWT as ?credential=<compact JWS>, or POST it as the body")
                : Verification(context, registry.Verify(credential)));

        credentials.MapPost("/verify", async (HttpContext context, CredentialRegistry registry, CancellationToken ct) =>
        {
            var body = Encoding.ASCII.GetString(await FhirHttp.ReadBodyAsync(context.Request, MaxBodyBytes, ct)).Trim();
            return body.Length == 0
                ? throw FhirProblemException.BadRequest($"the body must be the VC-JWT ({VcJwt.MediaType})")
                : Verification(context, registry.Verify(body));
        });

        var board = credentials.MapGroup("").RequireCaller();
        board.AddEndpointFilter(async (context, next) =>
        {
            var caller = context.HttpContext.GetCaller();
            return caller.Role == CareLedgerRole.BoardOfficer
                ? await next(context)
                : FhirHttp.Problem(context.HttpContext, new FhirProblemException(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden,
                    $"only a board officer may manage credentials; the caller's role is {caller.Role.ToName()}"));
        });

        board.MapPost("", async (HttpContext context, CredentialRegistry registry, CancellationToken ct) =>
        {
            using var request = await ReadJsonAsync(context, ct);
            var practitioner = Text(request.RootElement, "practitioner");
            var licence = new PractitionerLicence(Text(request.RootElement, "licenceNumber"), Text(request.RootElement, "speciality"));
            var validUntil = Date(request.RootElement, "validUntil");
            var issuerKey = await registry.EnsureIssuerKeyAsync(ct: ct);
            var issued = await registry.IssueAsync(issuerKey, practitioner, licence, validUntil, ct);
            return Results.Json(Describe(issued), statusCode: StatusCodes.Status201Created);
        });

        board.MapPost("/{id}/$renew", async (HttpContext context, CredentialRegistry registry, string id, CancellationToken ct) =>
        {
            using var request = await ReadJsonAsync(context, ct);
            return Results.Json(Describe(await registry.RenewAsync(id, Date(request.RootElement, "validUntil"), ct)));
        });

        board.MapPost("/{id}/$revoke", async (HttpContext context, CredentialRegistry registry, string id, CancellationToken ct) =>
        {
            using var request = await ReadJsonAsync(context, ct);
            return Results.Json(Describe(await registry.RevokeAsync(id, Text(request.RootElement, "reason"), ct)));
        });

        board.MapGet("", (CredentialRegistry registry, string? practitioner) =>
            Results.Json(new { credentials = (practitioner is null ? registry.List() : registry.ForPractitioner(practitioner)).Select(Describe) }));

        return app;
    }

    /// <summary>The answer of the public verification: no cache, since a revocation may come at any moment.</summary>
    private static IResult Verification(HttpContext context, CredentialVerification verification)
    {
        context.Response.Headers.CacheControl = "no-store";
        return Results.Json(new
        {
            valid = verification.Valid,
            reasons = verification.Reasons,
            credentialId = verification.CredentialId,
            status = verification.Status?.ToString().ToLowerInvariant(),
            validUntil = verification.ValidUntil is { } until ? FormatDate(until) : null,
            ledgerLeaf = verification.LedgerLeaf,
        });
    }

    private static object Describe(IssuedCredential credential) => new
    {
        id = credential.Id,
        practitioner = credential.PractitionerReference,
        status = credential.Status.ToString().ToLowerInvariant(),
        validFrom = FormatDate(credential.ValidFrom),
        validUntil = FormatDate(credential.ValidUntil),
        ledgerLeaf = credential.LedgerLeaf,
        revocationReason = credential.RevocationReason,
        credential = credential.Jwt,
    };

    private static FhirProblemException? Problem(Exception e) => e switch
    {
        FhirProblemException problem => problem,
        ArgumentException invalid => FhirProblemException.BadRequest(invalid.Message),
        KeyNotFoundException missing => FhirProblemException.NotFound(missing.Message),
        TransactionRejectedException rejected => FhirProblemException.Conflict($"the ledger refused the change ({rejected.Code}): {rejected.Message}"),
        InvalidOperationException conflict and not ObjectDisposedException => FhirProblemException.Conflict(conflict.Message),
        _ => null,
    };

    private static async Task<JsonDocument> ReadJsonAsync(HttpContext context, CancellationToken ct)
    {
        var body = await FhirHttp.ReadBodyAsync(context.Request, MaxBodyBytes, ct);
        try
        {
            var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
        }
        catch (JsonException e)
        {
            throw FhirProblemException.BadRequest($"the body is not JSON: {e.Message}");
        }

        throw FhirProblemException.BadRequest("the body must be a JSON object");
    }

    private static string Text(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { } text
            ? text
            : throw FhirProblemException.BadRequest($"'{name}' is required (a string)");

    private static DateTimeOffset Date(JsonElement body, string name)
    {
        var text = Text(body, name);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
            ? date
            : throw FhirProblemException.BadRequest($"'{name}' must be a date-time such as 2027-01-31T00:00:00Z, not '{text}'");
    }

    private static string FormatDate(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
