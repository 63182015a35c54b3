using CareLedger.Fhir.Storage;
using System.Diagnostics;
using CareLedger.Import;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Fhir.Bench;

/// <summary>What <c>careledger bench fhir</c> runs: bounded in count, on the node it is given (use a scratch one).</summary>
public sealed record FhirLoadOptions
{
    /// <summary>Bundles to import for the import-throughput figure (none: skip it).</summary>
    public IReadOnlyList<string> ImportPaths { get; init; } = [];

    public int Clients { get; init; } = 8;

    public int CreatesPerClient { get; init; } = 250;

    public int ReadsPerClient { get; init; } = 1000;

    /// <summary>Only the import figure: no creates or reads.</summary>
    public bool ImportOnly { get; init; }

    /// <summary>Untimed creates and reads per client over HTTP before the HTTP figures (the HTTP stack's warm-up).</summary>
    public int HttpWarmUpPerClient { get; init; }
}

/// <summary>Throughput and latency of one operation under concurrent clients.</summary>
public sealed record LatencyFigures(int Operations, double PerSecond, double P50Milliseconds, double P95Milliseconds, double P99Milliseconds)
{
    public static LatencyFigures From(List<double> milliseconds, TimeSpan elapsed)
    {
        milliseconds.Sort();
        double At(double q) => milliseconds.Count == 0 ? 0 : milliseconds[Math.Min(milliseconds.Count - 1, (int)Math.Ceiling(q * milliseconds.Count) - 1)];
        return new(milliseconds.Count, milliseconds.Count / Math.Max(elapsed.TotalSeconds, 1e-9), At(0.50), At(0.95), At(0.99));
    }
}

/// <summary>
/// The figures of one load run: import throughput (validated, encrypted, ledgered) and create/read under load.
/// The CPU times (this process, all threads) give figures that hold on a machine shared with other work:
/// resources per CPU-second × cores bounds what the cores can do.
/// </summary>
public sealed record FhirLoadFigures(ImportReport? Import, TimeSpan ImportCpu, LatencyFigures Create, TimeSpan CreateCpu, LatencyFigures Read, TimeSpan ReadCpu, int Clients)
{
    public double ImportResourcesPerCpuSecond => Import is null || ImportCpu <= TimeSpan.Zero ? 0 : ImportedResources / ImportCpu.TotalSeconds;

    /// <summary>Bytes allocated by the whole process during the import (all threads): steady whatever else runs on the machine.</summary>
    public long ImportAllocatedBytes { get; init; }

    /// <summary>Garbage collections (of any generation) during the import.</summary>
    public int ImportCollections { get; init; }

    /// <summary>
    /// Time the JIT spent compiling during the import (all threads; included in <see cref="ImportCpu"/>): in the steady
    /// state close to nothing, so a large figure means the import was measured while methods were still being tiered up.
    /// </summary>
    public TimeSpan ImportJit { get; init; }

    /// <summary>Methods the JIT compiled during the import (new ones and tier-1 re-compilations).</summary>
    public long ImportJittedMethods { get; init; }

    /// <summary>The repository's group commits during the import (how many, how many overlapped, how full).</summary>
    public ResourceRepository.GroupCommitFigures ImportGroups { get; init; }

    public double ImportAllocatedBytesPerResource => ImportedResources == 0 ? 0 : (double)ImportAllocatedBytes / ImportedResources;

    private long ImportedResources => Import is null ? 0 : Import.ResourcesCreated + Import.ResourcesAlreadyPresent;
}

/// <summary>
/// In-process load on the FHIR core (the same code path as the HTTP endpoints, without HTTP): import of Synthea
/// bundles, then <see cref="FhirLoadOptions.Clients"/> concurrent clients creating Observations for a patient (each
/// create validated, indexed, encrypted and committed as its own ledger transaction) and reading them back by id.
/// </summary>
public sealed class FhirLoad(FhirService service, string stateDirectory, FhirCaller caller)
{
    public async Task<FhirLoadFigures> RunAsync(FhirLoadOptions options, IProgress<string>? progress, CancellationToken ct)
    {
        ImportReport? import = null;
        var importCpu = TimeSpan.Zero;
        long importAllocated = 0;
        var importCollections = 0;
        var importJit = TimeSpan.Zero;
        long importJitted = 0;
        var importGroups = default(ResourceRepository.GroupCommitFigures);
        if (options.ImportPaths.Count > 0)
        {
            progress?.Report("warming up the validator");
            WarmUp(options.ImportPaths);
            progress?.Report("importing");
            var cpu = CpuTime();
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var collections = GC.CollectionCount(0);
            var jit = System.Runtime.JitInfo.GetCompilationTime();
            var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
            var groups = service.Repository.GroupCommits;
            import = await new FhirImporter(service, stateDirectory, caller).ImportAsync(options.ImportPaths, null, ct);
            importCpu = CpuTime() - cpu;
            importAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            importCollections = GC.CollectionCount(0) - collections;
            importJit = System.Runtime.JitInfo.GetCompilationTime() - jit;
            importJitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted;
            importGroups = service.Repository.GroupCommits - groups;
        }

        if (options.ImportOnly)
        {
            var none = LatencyFigures.From([], TimeSpan.Zero);
            return new FhirLoadFigures(import, importCpu, none, TimeSpan.Zero, none, TimeSpan.Zero, 0)
            {
                ImportAllocatedBytes = importAllocated,
                ImportCollections = importCollections,
                ImportJit = importJit,
                ImportJittedMethods = importJitted,
                ImportGroups = importGroups,
            };
        }

        progress?.Report("warming up");
        var patient = (await service.CreateAsync(caller, new Patient { Gender = AdministrativeGender.Unknown, BirthDate = "1970-01-01" }, null, ct)).Id;
        var warm = (await service.CreateAsync(caller, NewObservation(patient, 0), null, ct)).Id;
        service.Read(caller, "Observation", warm);

        progress?.Report($"creating with {options.Clients} clients");
        var ids = new List<string>[options.Clients];
        var createLatencies = new List<double>[options.Clients];
        var clock = Stopwatch.StartNew();
        var createCpu = CpuTime();
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(client => Task.Run(async () =>
        {
            ids[client] = new List<string>(options.CreatesPerClient);
            createLatencies[client] = new List<double>(options.CreatesPerClient);
            for (var i = 0; i < options.CreatesPerClient; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var result = await service.CreateAsync(caller, NewObservation(patient, client * options.CreatesPerClient + i), null, ct);
                createLatencies[client].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                ids[client].Add(result.Id);
            }
        }, ct)));
        var create = LatencyFigures.From([.. createLatencies.SelectMany(l => l)], clock.Elapsed);
        createCpu = CpuTime() - createCpu;

        progress?.Report($"reading with {options.Clients} clients");
        var all = ids.SelectMany(l => l).ToArray();
        var readLatencies = new List<double>[options.Clients];
        clock.Restart();
        var readCpu = CpuTime();
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(client => Task.Run(() =>
        {
            readLatencies[client] = new List<double>(options.ReadsPerClient);
            var random = new Random(client);
            for (var i = 0; i < options.ReadsPerClient; i++)
            {
                var started = Stopwatch.GetTimestamp();
                service.Read(caller, "Observation", all[random.Next(all.Length)]);
                readLatencies[client].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }, ct)));
        var read = LatencyFigures.From([.. readLatencies.SelectMany(l => l)], clock.Elapsed);
        readCpu = CpuTime() - readCpu;
        return new FhirLoadFigures(import, importCpu, create, createCpu, read, readCpu, options.Clients)
        {
            ImportAllocatedBytes = importAllocated,
            ImportCollections = importCollections,
            ImportJit = importJit,
            ImportJittedMethods = importJitted,
        };
    }

    /// <summary>
    /// Compiles the validator's schemas for the resource types of the import (once per process, seconds) so that the
    /// throughput figure is the steady state; nothing is stored.
    /// </summary>
    private static void WarmUp(IReadOnlyList<string> paths)
    {
        var first = FhirImporter.ExpandPaths(paths).LastOrDefault(p => p.EndsWith(".json", StringComparison.OrdinalIgnoreCase));
        if (first is null || Validation.FhirSerialization.TryParseJson(File.ReadAllBytes(first)).Resource is not Bundle bundle)
        {
            return;
        }

        foreach (var resource in bundle.Entry.Select(e => e.Resource).OfType<Resource>().DistinctBy(r => r.TypeName))
        {
            Validation.ResourceValidator.Shared.Errors(resource);
        }
    }

    private static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static Observation NewObservation(string patient, int n) => new()
    {
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "8867-4", "Heart rate"),
        Subject = new ResourceReference($"Patient/{patient}"),
        Effective = new FhirDateTime(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(n)),
        Value = new Quantity(60 + (n % 40), "/min", "http://unitsofmeasure.org") { Unit = "beats/minute" },
    };
}
