using System.Diagnostics;
using CareLedger.Fhir.Validation;
using Hl7.Fhir.Model;

namespace CareLedger.Benchmarks.Fhir;

/// <summary>
/// The import loader's parse + certify work in isolation: every bundle of data/synthea (1,228 resources)
/// read without the strict reader's checks (parse alone), and through <c>ResourceValidator.ParseCertified</c> (parse, the
/// Bundle's own checks and every entry certified, on both cores): the process's CPU time is this work and its garbage
/// collection. Prints, per pass after the warm-up, the CPU and the bytes allocated per resource for the
/// parse alone and for parse + certify; the median of the passes is the figure to compare between builds.
/// <c>dotnet run -c Release --project bench/CareLedger.Benchmarks -- certify [--passes 15] [--repeat 8]</c>
/// </summary>
internal static class CertifyLoad
{
    public static int Run(string[] args)
    {
        var passes = IntArg(args, "--passes", 15);
        var repeat = IntArg(args, "--repeat", 8);
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "data", "synthea")))
        {
            directory = directory.Parent;
        }

        var folder = Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("data/synthea above " + AppContext.BaseDirectory), "data", "synthea");
        byte[][] bundles = [.. Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
        var validator = ResourceValidator.Shared;

        // Warm-up: the schemas are compiled and the JIT reaches tier 1 before anything is measured.
        for (var i = 0; i < 6; i++)
        {
            Pass(bundles, validator, certify: true, repeat: 2);
        }

        var parse = new List<(double Us, double KiB)>();
        var both = new List<(double Us, double KiB)>();
        for (var p = 0; p < passes; p++)
        {
            parse.Add(Pass(bundles, validator, certify: false, repeat));
            both.Add(Pass(bundles, validator, certify: true, repeat));
            Console.WriteLine($"pass {p + 1}: parse {parse[^1].Us:F1} µs {parse[^1].KiB:F1} KiB; parse+certify {both[^1].Us:F1} µs {both[^1].KiB:F1} KiB per resource");
        }

        Console.WriteLine($"median: parse {Median(parse, x => x.Us):F1} µs CPU, {Median(parse, x => x.KiB):F1} KiB; parse+certify {Median(both, x => x.Us):F1} µs CPU, {Median(both, x => x.KiB):F1} KiB per resource (certify alone ≈ {Median(both, x => x.Us) - Median(parse, x => x.Us):F1} µs)");
        return 0;
    }

    private static (double Us, double KiB) Pass(byte[][] bundles, ResourceValidator validator, bool certify, int repeat)
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var bytes0 = GC.GetTotalAllocatedBytes(precise: false);
        var resources = 0;
        for (var r = 0; r < repeat; r++)
        {
            foreach (var json in bundles)
            {
                var bundle = certify ? validator.ParseCertified(json) as Bundle : FhirSerialization.TryParseJsonUnchecked(json) as Bundle;
                if (bundle is null)
                {
                    throw new InvalidOperationException("a Synthea bundle was not read and certified");
                }

                resources += bundle.Entry.Count;
            }
        }

        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalMicroseconds;
        var bytes = GC.GetTotalAllocatedBytes(precise: false) - bytes0;
        return (cpu / resources, bytes / 1024.0 / resources);
    }

    private static double Median<T>(List<T> values, Func<T, double> of)
    {
        var sorted = values.Select(of).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static int IntArg(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var value) ? value : fallback;
    }
}
