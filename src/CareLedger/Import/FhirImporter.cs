using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Threading.Channels;
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

    /// <summary>Files from this load rank on refer only to what lower ranks brought, not to each other.</summary>
    private const int IndependentRank = 2;

    /// <summary>
    /// Independent files prepared and committing at once: enough to fill a group commit (one ledger transaction holds up
    /// to 512 records, a Synthea patient bundle about 100) while the next ones are prepared and the next file is parsed and
    /// validated (eight gave 24–27 groups for the 62 files of `bench fhir --copies 5`, four 37–43; docs/benchmarks.md).
    /// </summary>
    private const int MaxFilesInFlight = 8;
    private readonly BundleProcessor processor = new(service);

    public async Task<ImportReport> ImportAsync(IReadOnlyList<string> paths, IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        var files = ExpandPaths(paths);
        var state = ImportState.Open(stateDirectory);
        var clock = Stopwatch.StartNew();
        var tally = new Tally(files.Count, progress);
        progress?.Report(new ImportProgress(0, files.Count, 0, files.FirstOrDefault()));

        // Reading, parsing and validating the next files overlaps with committing the current ones, on one loader thread
        // of its own (not a pool worker: validation blocks, and the commit's completions need the pool) that keeps up to
        // LoadedAhead files ready (ADR 0021).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var loads = Channel.CreateBounded<LoadResult>(new BoundedChannelOptions(LoadedAhead) { SingleReader = true, SingleWriter = true });
        var loader = new Thread(() => LoadAll(files, state, loads.Writer, stop.Token)) { IsBackground = true, Name = "careledger-import-loader" };
        loader.Start();
        var inFlight = new List<Task<FileOutcome>>();
        var conflicted = new List<LoadedFile>();
        try
        {
            for (var i = 0; i < files.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var load = await loads.Reader.ReadAsync(ct);
                load.Error?.Throw();
                var loaded = load.File!;
                if (LoadRank(Path.GetFileName(loaded.Path)) < IndependentRank)
                {
                    // Hospital and practitioner bundles are what the others refer to: each is committed before the next file starts.
                    await DrainAsync(inFlight, inFlight.Count, tally, conflicted);
                    tally.Add(await ImportFileAsync(loaded, state, ct), conflicted);
                    continue;
                }

                // Patient bundles do not refer to each other: several are in flight, so the repository commits them together.
                // Each is prepared on the pool (ADR 0015, second amendment): a bundle's plan, references, index, canonical JSON
                // and access decisions run synchronously up to its commit, and on this loop they made the files' preparation
                // serial, the next load wait for it, and the repository's groups hold one file each.
                await DrainAsync(inFlight, inFlight.Count - MaxFilesInFlight + 1, tally, conflicted);
                inFlight.Add(Task.Run(() => ImportFileAsync(loaded, state, ct), ct));
            }

            await DrainAsync(inFlight, inFlight.Count, tally, conflicted);

            // Two files in flight that create the same resource (a shared Organization the hospital file did not bring) conflict
            // in the group commit and store nothing; alone, the second one finds the resource present.
            foreach (var loaded in conflicted)
            {
                tally.Add(await ImportFileAsync(loaded, state, ct), null);
            }

            // Every completed file recorded durably before the import answers (ImportState batches its fsyncs).
            state.Flush();
        }
        catch
        {
            // Files that finished are recorded if possible; a file not recorded is imported again next time (no duplicates).
            state.TryFlush();
            throw;
        }
        finally
        {
            stop.Cancel();
            loader.Join();
        }

        return new ImportReport(files.Count, tally.Imported, tally.Skipped, tally.Created, tally.Present, clock.Elapsed, tally.Failures);
    }

    private static async Task DrainAsync(List<Task<FileOutcome>> inFlight, int count, Tally tally, List<LoadedFile> conflicted)
    {
        for (var n = 0; n < count; n++)
        {
            var done = await Task.WhenAny(inFlight);
            inFlight.Remove(done);
            tally.Add(await done, conflicted);
        }
    }

    private async Task<FileOutcome> ImportFileAsync(LoadedFile loaded, ImportState state, CancellationToken ct)
    {
        if (loaded.AlreadyCompleted)
        {
            return new FileOutcome(loaded, Skipped: true, 0, 0, null, Conflict: false);
        }

        long created = 0, present = 0;
        try
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
            return new FileOutcome(loaded, Skipped: false, created, present, null, Conflict: false);
        }
        catch (FhirProblemException e) when (e.Status == StatusCodes.Status409Conflict && !loaded.IsNdjson)
        {
            return new FileOutcome(loaded, Skipped: false, 0, 0, null, Conflict: true);
        }
        catch (FhirProblemException e)
        {
            return new FileOutcome(loaded, Skipped: false, created, present, new ImportFailure(loaded.Path, e.Message), Conflict: false);
        }
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

    /// <summary>Synthea's hospital and practitioner bundles: what the patient bundles refer to, loaded first.</summary>
    public static bool IsSharedReferenceData(string fileName) => LoadRank(fileName) < IndependentRank;

    private static int LoadRank(string fileName) =>
        fileName.StartsWith("hospitalInformation", StringComparison.OrdinalIgnoreCase) ? 0
        : fileName.StartsWith("practitionerInformation", StringComparison.OrdinalIgnoreCase) ? 1
        : 2;

    /// <summary>Files loaded and waiting for the import loop, besides the one being loaded: memory stays bounded.</summary>
    private const int LoadedAhead = 2;

    /// <summary>The loader thread: loads every file in order into <paramref name="loads"/>, an unexpected failure as the last item.</summary>
    private static void LoadAll(List<string> files, ImportState state, ChannelWriter<LoadResult> loads, CancellationToken stop)
    {
        try
        {
            foreach (var path in files)
            {
                if (!Publish(loads, new LoadResult(Load(path, state), null), stop))
                {
                    return;
                }
            }
        }
        catch (Exception e)
        {
            // Once the import stopped nobody reads any more; before, the loop rethrows it where it reads this item.
            if (!stop.IsCancellationRequested)
            {
                Publish(loads, new LoadResult(null, ExceptionDispatchInfo.Capture(e)), stop);
            }
        }
    }

    /// <summary>Hands a load to the import loop, waiting while it holds <see cref="LoadedAhead"/>; false once the import stopped.</summary>
    private static bool Publish(ChannelWriter<LoadResult> loads, LoadResult result, CancellationToken stop)
    {
        try
        {
            while (!loads.TryWrite(result))
            {
                if (!loads.WaitToWriteAsync(stop).AsTask().GetAwaiter().GetResult())
                {
                    return false;
                }
            }

            return true;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The import stopped: nobody reads any more.
            return false;
        }
    }

    private sealed record LoadResult(LoadedFile? File, ExceptionDispatchInfo? Error);

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
            // Certified in one pass where the compiled validator is sure (ADR 0013); otherwise read strictly and validated,
            // which lists every problem.
            if (!ndjson && ResourceValidator.Shared.ParseCertified(bytes) is { } certified)
            {
                return new LoadedFile(path, sha, ndjson, false, [FromResource(certified)], null);
            }

            var bundles = ndjson ? FromNdjson(bytes) : [FromJson(bytes)];
            ResourceValidator.Shared.Prevalidate([.. bundles.SelectMany(b => b.Entry).Select(e => e.Resource).OfType<Resource>()]);
            return new LoadedFile(path, sha, ndjson, false, bundles, null);
        }
        catch (FhirProblemException e)
        {
            return new LoadedFile(path, sha, ndjson, false, [], e);
        }
    }

    private static Bundle FromJson(byte[] bytes) => FromResource(FhirSerialization.ParseJson(bytes));

    private static Bundle FromResource(Resource resource)
    {
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

    private sealed record FileOutcome(LoadedFile File, bool Skipped, long Created, long Present, ImportFailure? Failure, bool Conflict);

    /// <summary>What the files that finished add up to, reported as each one finishes.</summary>
    private sealed class Tally(int files, IProgress<ImportProgress>? progress)
    {
        private int done;

        public int Imported { get; private set; }

        public int Skipped { get; private set; }

        public long Created { get; private set; }

        public long Present { get; private set; }

        public List<ImportFailure> Failures { get; } = [];

        /// <summary>Counts a finished file; a conflicted one goes to <paramref name="conflicted"/> to be run again alone.</summary>
        public void Add(FileOutcome outcome, List<LoadedFile>? conflicted)
        {
            if (outcome.Conflict)
            {
                if (conflicted is not null)
                {
                    conflicted.Add(outcome.File);
                    return;
                }

                Failures.Add(new ImportFailure(outcome.File.Path, "a resource it writes was written at the same time by another request; nothing of the file was stored"));
            }
            else if (outcome.Skipped)
            {
                Skipped++;
            }
            else if (outcome.Failure is { } failure)
            {
                Failures.Add(failure);
            }
            else
            {
                Imported++;
            }

            Created += outcome.Created;
            Present += outcome.Present;
            done++;
            progress?.Report(new ImportProgress(done, files, Created + Present, null));
        }
    }
}
