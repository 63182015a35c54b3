using CareLedger.Fhir.Bundles;
using CareLedger.Fhir.Capability;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.LedgerProvenance;
using CareLedger.Fhir.Search;
using CareLedger.Fhir.Validation;
using CareLedger.Identity.Api;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Api;

/// <summary>The FHIR R4 REST routes under /fhir. Thin: parse at the edge, call <see cref="FhirService"/>, answer.</summary>
internal static class FhirEndpoints
{
    /// <summary>The CapabilityStatement: open to anyone, as SMART discovery requires.</summary>
    public static void MapPublic(RouteGroupBuilder fhir) =>
        fhir.MapGet("/metadata", (HttpContext context, FhirService service) =>
            FhirHttp.Resource(context, CapabilityStatementBuilder.Build(FhirHttp.BaseUrl(context.Request), service.Options.ExportDirectory is not null)));

    /// <summary>Everything else, behind the caller filter of the group.</summary>
    public static void Map(RouteGroupBuilder fhir)
    {
        fhir.MapPost("/", async (HttpContext context, FhirService service, BundleProcessor bundles, CancellationToken ct) =>
        {
            var resource = await FhirHttp.ReadResourceAsync(context.Request, service.Options.MaxRequestBytes, ct);
            if (resource is not Bundle bundle)
            {
                throw FhirProblemException.BadRequest($"the base URL accepts a transaction or batch Bundle, not a {resource.TypeName}");
            }

            var options = BundleOptions.Default with { ReturnResources = FhirHttp.ReturnPreference(context.Request) != "minimal" };
            return FhirHttp.Resource(context, await bundles.ProcessAsync(FhirHttp.Caller(context), bundle, options, FhirHttp.BaseUrl(context.Request), ct));
        });

        fhir.MapGet("/{type}", (HttpContext context, FhirService service, string type) =>
            Search(context, service, type, context.Request.Query.SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? string.Empty)))));

        fhir.MapPost("/{type}/_search", async (HttpContext context, FhirService service, string type) =>
        {
            var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync() : null;
            var parameters = context.Request.Query.Concat(form?.AsEnumerable() ?? [])
                .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? string.Empty)));
            return Search(context, service, type, parameters);
        });

        fhir.MapPost("/{type}", async (HttpContext context, FhirService service, string type, CancellationToken ct) =>
        {
            FhirService.EnsureKnownType(type);
            var resource = await ReadResourceToWriteAsync(context, service, ct);
            if (resource.TypeName != type)
            {
                throw FhirProblemException.BadRequest($"the body is a {resource.TypeName}, but the URL is for {type}");
            }

            var ifNoneExist = context.Request.Headers["If-None-Exist"].FirstOrDefault();
            return FhirHttp.Written(context, await service.CreateAsync(FhirHttp.Caller(context), resource, ifNoneExist, ct));
        });

        fhir.MapPut("/{type}", async (HttpContext context, FhirService service, string type, CancellationToken ct) =>
        {
            FhirService.EnsureKnownType(type);
            var criteria = context.Request.Query.SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? string.Empty))).ToList();
            if (criteria.Count == 0)
            {
                throw FhirProblemException.MethodNotAllowed($"PUT {type} needs an id (PUT {type}/[id]) or search criteria (conditional update)");
            }

            var resource = await ReadResourceToWriteAsync(context, service, ct);
            return FhirHttp.Written(context, await service.ConditionalUpdateAsync(FhirHttp.Caller(context), type, criteria, resource, ct));
        });

        fhir.MapDelete("/{type}", async (HttpContext context, FhirService service, string type, CancellationToken ct) =>
        {
            var criteria = context.Request.Query.SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? string.Empty))).ToList();
            if (criteria.Count == 0)
            {
                throw FhirProblemException.MethodNotAllowed($"DELETE {type} needs an id (DELETE {type}/[id]) or search criteria (conditional delete)");
            }

            return FhirHttp.Written(context, await service.ConditionalDeleteAsync(FhirHttp.Caller(context), type, criteria, ct));
        });

        fhir.MapGet("/{type}/_history", (HttpContext context, FhirService service, string type) =>
            FhirHttp.Resource(context, service.History(FhirHttp.Caller(context), type, null, Count(context), Since(context), FhirHttp.BaseUrl(context.Request))));

        fhir.MapPut("/{type}/{id}", async (HttpContext context, FhirService service, string type, string id, CancellationToken ct) =>
        {
            FhirService.EnsureKnownType(type);
            var resource = await ReadResourceToWriteAsync(context, service, ct);
            int? ifMatch = null;
            if (context.Request.Headers.IfMatch.FirstOrDefault() is { } etag)
            {
                ifMatch = ETags.ParseVersion(etag) ?? throw FhirProblemException.BadRequest($"If-Match '{etag}' is not an ETag such as W/\"3\"");
            }

            return FhirHttp.Written(context, await service.UpdateAsync(FhirHttp.Caller(context), type, id, resource, ifMatch, ct));
        });

        fhir.MapDelete("/{type}/{id}", async (HttpContext context, FhirService service, string type, string id, CancellationToken ct) =>
            FhirHttp.Written(context, await service.DeleteAsync(FhirHttp.Caller(context), type, id, ct)));

        fhir.MapGet("/{type}/{id}/_history", (HttpContext context, FhirService service, string type, string id) =>
            FhirHttp.Resource(context, service.History(FhirHttp.Caller(context), type, id, Count(context), Since(context), FhirHttp.BaseUrl(context.Request))));

        fhir.MapGet("/{type}/{id}/_history/{version}/$provenance", (HttpContext context, FhirService service, string type, string id, string version) =>
            FhirHttp.Resource(context, ProvenanceFactory.For(FhirHttp.Caller(context), service, type, id, version, FhirHttp.BaseUrl(context.Request))));

        fhir.MapMethods("/{type}/{id}", ["PATCH"], IResult (string type, string id) =>
            throw FhirProblemException.MethodNotAllowed($"PATCH is not supported (PUT {type}/{id} with the whole resource)"));

        fhir.MapFallback(IResult (HttpContext context) =>
            throw FhirProblemException.NotFound($"no FHIR interaction at {context.Request.Method} {context.Request.Path}"));
    }

    /// <summary>
    /// The read and the vread by id, the API's most frequent requests, mapped outside the /fhir groups: each handler
    /// authenticates its caller and answers its errors itself, exactly as the caller filter (<see
    /// cref="CallerEndpointExtensions.RequireCaller"/>) and the group's exception filter would — a 401 OperationOutcome
    /// recorded as a refusal without a valid token, every exception as <see cref="FhirHttp.ProblemFor"/> answers it —
    /// without the two filters' invocation context and frames on every read. The door decides and audits as for any route.
    /// </summary>
    public static void MapReads(IEndpointRouteBuilder app)
    {
        // Singletons of the host, looked up once here rather than in the request's services on every read: the FHIR
        // service (the group routes' handlers take it from there) and the token cache.
        var service = app.ServiceProvider.GetRequiredService<FhirService>();
        var tokens = app.ServiceProvider.GetService<ValidatedTokenCache>();
        app.MapGet("/fhir/{type}/{id}", (HttpContext context, string type, string id) =>
            ReadAsync(context, service, tokens, type, id, null));
        app.MapGet("/fhir/{type}/{id}/_history/{version}", (HttpContext context, string type, string id, string version) =>
            ReadAsync(context, service, tokens, type, id, version));
    }

    private static ValueTask<IResult> ReadAsync(HttpContext context, FhirService service, ValidatedTokenCache? tokens, string type, string id,
        string? version)
    {
        ValueTask<(ValidatedCaller? Caller, OperationOutcomeResult? Failure)> authentication;
        try
        {
            authentication = CallerAuthentication.AuthenticateAsync(context, tokens);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ValueTask.FromResult(FhirHttp.ProblemFor(context, e));
        }

        // A token validated before is answered synchronously (every request but a token's first): no state machine.
        return authentication.IsCompletedSuccessfully
            ? ValueTask.FromResult(Read(context, service, authentication.Result, type, id, version))
            : ReadAfterValidationAsync(context, service, authentication, type, id, version);
    }

    private static async ValueTask<IResult> ReadAfterValidationAsync(HttpContext context, FhirService service,
        ValueTask<(ValidatedCaller? Caller, OperationOutcomeResult? Failure)> authentication, string type, string id, string? version)
    {
        (ValidatedCaller? Caller, OperationOutcomeResult? Failure) outcome;
        try
        {
            outcome = await authentication;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return FhirHttp.ProblemFor(context, e);
        }

        return Read(context, service, outcome, type, id, version);
    }

    /// <remarks>
    /// What the caller filter and the /fhir group's exception filter do for the other routes is done here, with one
    /// difference in timing: the caller (<see cref="CallerEndpointExtensions.Admit"/>) and the note that the door was
    /// consulted go on the request only when an error follows — the only case in which anything reads them (the error's
    /// answer and its refusal record) — not on every successful read, where three feature writes per request were work
    /// only the door's route did.
    /// </remarks>
    private static IResult Read(HttpContext context, FhirService service, (ValidatedCaller? Caller, OperationOutcomeResult? Failure) authentication,
        string type, string id, string? version)
    {
        if (authentication.Caller is not { } validated)
        {
            try
            {
                return CallerEndpointExtensions.Refuse(context, authentication.Failure!);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return FhirHttp.ProblemFor(context, e);
            }
        }

        var consulted = false;
        try
        {
            var caller = FhirHttp.CallerUnnoted(context, validated.Accessor);
            consulted = true;
            var (json, head) = version is null ? service.Read(caller, type, id) : service.VRead(caller, type, id, version);
            return FhirHttp.StoredResource(context, json, head);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            CallerEndpointExtensions.Admit(context, validated);
            if (consulted)
            {
                AccessApi.RefusalAudit.NoteDoorConsulted(context);
            }

            return FhirHttp.ProblemFor(context, e);
        }
    }

    /// <summary>
    /// The body of a create or update. JSON goes first through the import's certified reading (ADR 0013, extended to the
    /// REST API's single resources): read without the SDK reader's per-element checks, kept only if the compiled checks
    /// certify it against base R4, which then counts as its validation. Anything not certified — a problem of any kind,
    /// a name spelled in the wrong case, a resource the compiled checks are unsure of, a Bundle — is read strictly as
    /// before, so errors are reported exactly as they were; XML is always read strictly.
    /// </summary>
    private static async Task<Resource> ReadResourceToWriteAsync(HttpContext context, FhirService service, CancellationToken ct)
    {
        if (FhirFormats.ForRequestBody(context.Request) != FhirFormat.Json)
        {
            return await FhirHttp.ReadResourceAsync(context.Request, service.Options.MaxRequestBytes, ct);
        }

        var body = await FhirHttp.ReadBodyAsync(context.Request, service.Options.MaxRequestBytes, ct);
        return service.Validator.ParseCertified(body) is { } certified and not Bundle ? certified : FhirSerialization.ParseJson(body);
    }

    private static IResult Search(HttpContext context, FhirService service, string type, IEnumerable<KeyValuePair<string, string>> parameters) =>
        FhirHttp.Resource(context, service.Search(FhirHttp.Caller(context), SearchRequestParser.Parse(type, [.. parameters]), FhirHttp.BaseUrl(context.Request)));

    private static int Count(HttpContext context) =>
        int.TryParse(context.Request.Query["_count"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count)
            ? count
            : SearchRequestParser.DefaultCount;

    private static DateTimeOffset? Since(HttpContext context)
    {
        var since = context.Request.Query["_since"].FirstOrDefault();
        if (since is null)
        {
            return null;
        }

        return FhirDateRange.TryParse(since, out var range)
            ? DateTimeOffset.FromUnixTimeMilliseconds(range.StartUnixMs)
            : throw FhirProblemException.BadRequest($"_since '{since}' is not a FHIR instant");
    }
}
