using System.Diagnostics;
using System.Security.Cryptography;
using CareLedger.Fhir;
using CareLedger.Fhir.Bundles;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Validation;
using CareLedger.Ledger.Transactions;
using Hl7.Fhir.Model;
using Range = System.Range;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Import;

/// <summary>
/// <c>careledger import</c> and <c>careledger demo</c>: loads FHIR Bundles (JSON files, folders, NDJSON) through the
/// same transaction processing as the REST API, so every resource is validated, encrypted and ledgered.
/// Each bundle is one atomic FHIR transaction (one ledger transaction); NDJSON is committed in chunks.
/// Ids from the source are kept and an id that exists already counts as imported, so running twice creates
/// nothing new; completed files are recorded (<see cref="ImportState"/>) so an interrupted run resumes.
/// Folders load <c>hospitalInformation*</c> and <c>practitionerInformation*</c> first (the others refer to them).
/// The import runs as <paramref name="caller"/> (the custodian's own service): the access layer judges and audits its
/// writes like anyone else's.
/// </summary>
public sealed class FhirImporter(FhirService service, string stateDirectory, FhirCaller caller)
{
    /// <summary>The subject the node's importer appears as in audit records.</summary>
    public const string Subject = "careledger-import";

    private const int NdjsonChunk = 250;
    private readonly BundleProcessor processor = new(service);

    public async Task<ImportReport> ImportAsync(IReadOnlyList<string> paths, IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        var files = ExpandPaths(paths);
        var state = ImportState.Open(stateDirectory);
        var clock = Stopwatch.StartNew();
        var failures = new List<ImportFailure>();
        int imported = 0, skipped = 0;
        long created = 0, present = 0;
        progress?.Report(new ImportProgress(0, files.Count, 0, files.FirstOrDefault()));

        // Reading, parsing and validating the next file overlaps with committing the current one. Its own thread (not a
        // pool worker): validation blocks, and the commit's completions need the pool.
        Task<LoadedFile>? next = files.Count > 0 ? LoadAhead(files[0], state, ct) : null;
        for (var i = 0; i < files.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var loaded = await next!;
            var following = i + 1;
            next = following < files.Count ? LoadAhead(files[following], state, ct) : null;
            try
            {
                if (loaded.AlreadyCompleted)
                {
                    skipped++;
                }
                else
                {
                    if (loaded.Problem is { } problem)
                    {
                        throw problem;
                    }

                    foreach (var bundle in loaded.Bundles)
                    {
                        var response = await processor.ProcessAsync(caller, bundle, BundleOptions.Import with { ReturnResources = false, CheckReferences = !loaded.IsNdjson }, "urn:careledger:import", ct);
                        foreach (var entry in response.Entry)
                        {
                            if (entry.Response?.Status?.StartsWith("201", StringComparison.Ordinal) == true)
                            {
                                created++;
                            }
                            else
                            {
                                present++;
                            }
                        }
                    }

                    state.MarkCompleted(loaded.Sha256);
                    imported++;
                }
            }
            catch (FhirProblemException e)
            {
                failures.Add(new ImportFailure(loaded.Path, e.Message));
            }

            progress?.Report(new ImportProgress(i + 1, files.Count, created + present, i + 1 < files.Count ? files[i + 1] : null));
        }

        return new ImportReport(files.Count, imported, skipped, created, present, clock.Elapsed, failures);
    }

    /// <summary>Files in load order: hospital and practitioner bundles first, then the rest by name.</summary>
    public static List<string> ExpandPaths(IReadOnlyList<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => f.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase)));
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                throw new FileNotFoundException($"import: '{path}' is neither a file nor a folder", path);
            }
        }

        return [.. files.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal)
            .OrderBy(f => LoadRank(Path.GetFileName(f)))
            .ThenBy(f => f, StringComparer.Ordinal)];
    }

    private static int LoadRank(string fileName) =>
        fileName.StartsWith("hospitalInformation", StringComparison.OrdinalIgnoreCase) ? 0
        : fileName.StartsWith("practitionerInformation", StringComparison.OrdinalIgnoreCase) ? 1
        : 2;

    private static Task<LoadedFile> LoadAhead(string path, ImportState state, CancellationToken ct) =>
        Task.Factory.StartNew(() => Load(path, state), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static LoadedFile Load(string path, ImportState state)
    {
        var bytes = File.ReadAllBytes(path);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var ndjson = path.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase);
        if (state.IsCompleted(sha))
        {
            return new LoadedFile(path, sha, ndjson, true, [], null);
        }

        try
        {
            var bundles = ndjson ? FromNdjson(bytes) : [FromJson(bytes)];
            ResourceValidator.Shared.Prevalidate([.. bundles.SelectMany(b => b.Entry).Select(e => e.Resource).OfType<Resource>()]);
            return new LoadedFile(path, sha, ndjson, false, bundles, null);
        }
        catch (FhirProblemException e)
        {
            return new LoadedFile(path, sha, ndjson, false, [], e);
        }
    }

    private static Bundle FromJson(byte[] bytes)
    {
        var resource = FhirSerialization.ParseJson(bytes);
        if (resource is Bundle bundle)
        {
            switch (bundle.Type)
            {
                case Bundle.BundleType.Transaction:
                    return bundle;
                case Bundle.BundleType.Batch:
                    // An import keeps a file atomic, so a batch is loaded as a transaction.
                    bundle.Type = Bundle.BundleType.Transaction;
                    return bundle;
                default:
                    return AsTransaction(bundle.Entry.Select(e => e.Resource).OfType<Resource>());
            }
        }

        return AsTransaction([resource]);
    }

    private static List<Bundle> FromNdjson(byte[] bytes)
    {
        var resources = new List<Resource>();
        var line = 0;
        var problems = new List<OperationOutcome.IssueComponent>();
        foreach (var range in SplitLines(bytes))
        {
            line++;
            var span = bytes.AsSpan(range);
            if (span.Trim((byte)' ').Trim((byte)'\r').IsEmpty)
            {
                continue;
            }

            var (resource, issues) = FhirSerialization.TryParseJson(span);
            if (issues.Count > 0 || resource is null)
            {
                problems.AddRange(OperationOutcomes.Located(new OperationOutcome { Issue = issues }, $"line {line}"));
                continue;
            }

            resources.Add(resource);
        }

        if (problems.Count > 0)
        {
            throw new FhirProblemException(StatusCodes.Status400BadRequest, new OperationOutcome { Issue = problems });
        }

        return [.. resources.Chunk(Math.Min(NdjsonChunk, RecordsCommittedPayload.MaxRecords)).Select(AsTransaction)];
    }

    private static IEnumerable<Range> SplitLines(byte[] bytes)
    {
        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                yield return new Range(start, i);
                start = i + 1;
            }
        }

        if (start < bytes.Length)
        {
            yield return new Range(start, bytes.Length);
        }
    }

    private static Bundle AsTransaction(IEnumerable<Resource> resources) => new()
    {
        Type = Bundle.BundleType.Transaction,
        Entry = [.. resources.Select(r => new Bundle.EntryComponent
        {
            FullUrl = r.Id is null ? null : $"{r.TypeName}/{r.Id}",
            Resource = r,
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = r.TypeName },
        })],
    };

    private sealed record LoadedFile(string Path, string Sha256, bool IsNdjson, bool AlreadyCompleted, IReadOnlyList<Bundle> Bundles, FhirProblemException? Problem);
}
