using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CareLedger.Fhir.Validation;
using Hl7.Fhir.Model;

namespace CareLedger.Benchmarks.Fhir;

/// <summary>
/// Where an import's CPU goes before the commit, over every resource of the 14 Synthea bundles in data/synthea
/// (1,228 resources; one operation is the whole set): strict parsing, the Firely validator alone, and the validation
/// fast path that answers for it when it is certain (all of these resources). A short run, in process: the benchmark
/// references the node executable, whose own entry point the generated benchmark project cannot host (run it without
/// <c>--job</c>, which would add an out-of-process job).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessShortRun))]
public class ValidationBenchmarks
{
    private byte[][] _bundles = [];
    private Resource[] _resources = [];

    [GlobalSetup]
    public void Setup()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "data", "synthea")))
        {
            directory = directory.Parent;
        }

        var folder = Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("data/synthea above " + AppContext.BaseDirectory), "data", "synthea");
        _bundles = [.. Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
        _resources = [.. _bundles.SelectMany(b => ((Bundle)FhirSerialization.ParseJson(b)).Entry.Select(e => e.Resource)).OfType<Resource>()];
        foreach (var resource in _resources)
        {
            if (!ResourceValidator.Shared.IsCertainlyValid(resource) || ResourceValidator.Shared.FirelyErrors(resource).Count > 0)
            {
                throw new InvalidOperationException($"{resource.TypeName}/{resource.Id} is not certainly valid");
            }
        }
    }

    [Benchmark]
    public int StrictParse()
    {
        var count = 0;
        foreach (var bundle in _bundles)
        {
            count += ((Bundle)FhirSerialization.ParseJson(bundle)).Entry.Count;
        }

        return count;
    }

    [Benchmark(Baseline = true)]
    public int FirelyValidator()
    {
        var errors = 0;
        foreach (var resource in _resources)
        {
            errors += ResourceValidator.Shared.FirelyErrors(resource).Count;
        }

        return errors;
    }

    [Benchmark]
    public int FastPath()
    {
        var certain = 0;
        foreach (var resource in _resources)
        {
            certain += ResourceValidator.Shared.IsCertainlyValid(resource) ? 1 : 0;
        }

        return certain;
    }

    private sealed class InProcessShortRun : ManualConfig
    {
        public InProcessShortRun() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }
}
