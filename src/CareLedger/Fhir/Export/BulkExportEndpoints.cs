using System.Text.Json;
using CareLedger.Fhir.Api;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Search;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Export;

/// <summary>The Bulk Data routes: kick-off, status (202 + X-Progress, then the manifest), file download, cancel.</summary>
internal static class BulkExportEndpoints
{
    private const string StatusPath = "$export-status";
    private const string FilePath = "$export-file";

    public static void Map(RouteGroupBuilder fhir)
    {
        fhir.MapGet("/$export", (HttpContext context, BulkExportService export) => KickOff(context, export, null));
        fhir.MapGet("/Patient/$export", (HttpContext context, BulkExportService export, FhirService service) =>
            KickOff(context, export, () => AllPatients(service)));
        fhir.MapGet("/Group/{id}/$export", (HttpContext context, BulkExportService export, FhirService service, string id) =>
        {
            var group = service.Repository.ReadResource(FhirHttp.Caller(context), "Group", id) as Group ?? throw FhirProblemException.NotFound($"Group/{id} does not exist");
            var members = group.Member.Select(m => m.Entity?.Reference).OfType<string>()
                .Select(SearchIndexer.ReferenceKey).OfType<string>()
                .Where(k => k.StartsWith("Patient/", StringComparison.Ordinal)).Select(k => k["Patient/".Length..]).ToList();
            return KickOff(context, export, () => members);
        });

        fhir.MapGet("/" + StatusPath + "/{job}", (HttpContext context, BulkExportService export, string job) =>
        {
            var found = Owned(context, export, job) ?? throw FhirProblemException.NotFound($"no export job '{job}' (finished jobs expire)");
            if (found.CompletedAt is null)
            {
                context.Response.Headers["X-Progress"] = $"{found.Written} resources written";
                context.Response.Headers.RetryAfter = "1";
                return Results.StatusCode(StatusCodes.Status202Accepted);
            }

            if (found.Error is { } error)
            {
                throw new FhirProblemException(StatusCodes.Status500InternalServerError, OperationOutcome.IssueType.Exception, $"the export failed: {error}");
            }

            var baseUrl = FhirHttp.BaseUrl(context.Request);
            List<ExportFile> files;
            lock (found.Files)
            {
                files = [.. found.Files];
            }

            var manifest = new
            {
                transactionTime = found.TransactionTime.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
                request = found.Request,
                requiresAccessToken = false,
                output = files.Select(f => new { type = f.Type, url = $"{baseUrl}/{FilePath}/{found.Id}/{f.FileName}", count = f.Count }),
                error = Array.Empty<object>(),
            };
            return Results.Json(manifest, JsonSerializerOptions.Web, "application/json");
        });

        fhir.MapDelete("/" + StatusPath + "/{job}", async (HttpContext context, BulkExportService export, string job) =>
            Owned(context, export, job) is not null && await export.CancelAsync(job)
                ? Results.StatusCode(StatusCodes.Status202Accepted)
                : throw FhirProblemException.NotFound($"no export job '{job}'"));

        fhir.MapGet("/" + FilePath + "/{job}/{file}", (HttpContext context, BulkExportService export, string job, string file) =>
        {
            var found = Owned(context, export, job) ?? throw FhirProblemException.NotFound($"no export job '{job}'");
            ExportFile? match;
            lock (found.Files)
            {
                match = found.Files.FirstOrDefault(f => f.FileName == file);
            }

            return match is null
                ? throw FhirProblemException.NotFound($"export job '{job}' has no file '{file}'")
                : Results.File(Path.Combine(found.Directory, match.FileName), "application/fhir+ndjson");
        });
    }

    private static IResult KickOff(HttpContext context, BulkExportService export, Func<IReadOnlyList<string>>? patients)
    {
        if (!export.Enabled)
        {
            throw FhirProblemException.NotSupported("bulk export is not enabled on this node");
        }

        if (!FhirHttp.PrefersAsync(context.Request))
        {
            throw FhirProblemException.BadRequest("$export is asynchronous: send 'Prefer: respond-async'");
        }

        var query = context.Request.Query;
        if (query["_outputFormat"].FirstOrDefault() is { } format && format is not ("application/fhir+ndjson" or "application/ndjson" or "ndjson"))
        {
            throw FhirProblemException.BadRequest($"_outputFormat '{format}' is not supported (application/fhir+ndjson)");
        }

        IReadOnlyList<string>? types = query["_type"].FirstOrDefault() is { } t ? SearchRequestParser.SplitValues(t) : null;
        DateTimeOffset? since = null;
        if (query["_since"].FirstOrDefault() is { } sinceText)
        {
            since = FhirDateRange.TryParse(sinceText, out var range)
                ? DateTimeOffset.FromUnixTimeMilliseconds(range.StartUnixMs)
                : throw FhirProblemException.BadRequest($"_since '{sinceText}' is not a FHIR instant");
        }

        var job = export.Start(FhirHttp.Caller(context), $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{context.Request.Path}{context.Request.QueryString}", types, since, patients);
        context.Response.Headers.ContentLocation = $"{FhirHttp.BaseUrl(context.Request)}/{StatusPath}/{job.Id}";
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    /// <summary>A job is visible only to the caller who started it; to anyone else it does not exist.</summary>
    private static ExportJob? Owned(HttpContext context, BulkExportService export, string id) =>
        export.Find(id) is { } job && job.IsOwnedBy(FhirHttp.Caller(context)) ? job : null;

    private static List<string> AllPatients(FhirService service)
    {
        var ids = new List<string>();
        for (var skip = 0; ; skip += 1000)
        {
            var page = service.Repository.Query(new Vault.Search.VaultQuery("Patient") { Sort = [Vault.Search.VaultSort.ById()], Skip = skip, Take = 1000 }).Records;
            ids.AddRange(page.Select(p => p.Id));
            if (page.Count < 1000)
            {
                return ids;
            }
        }
    }
}
