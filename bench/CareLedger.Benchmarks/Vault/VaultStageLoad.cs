using System.Diagnostics;
using System.Runtime.InteropServices;
using CareLedger.Fhir.Search;
using CareLedger.Fhir.Validation;
using CareLedger.Vault;
using CareLedger.Vault.Keys;
using CareLedger.Vault.Search;
using Hl7.Fhir.Model;

namespace CareLedger.Benchmarks.Vault;

/// <summary>
/// The vault's writer alone, as the import drives it: every resource of data/synthea with the index entries and canonical JSON
/// the FHIR layer gives it, copied under new ids <c>--copies</c> times, staged and committed (ADR 0016's recoverable commit)
/// in groups of whole files up to 512 resources, one thread, into a fresh SQLite vault. Prints the calling thread's CPU per
/// resource in <c>Vault.Stage</c> and <c>Vault.Commit</c> for each tenth of the run (the vault grows as it goes), so the
/// serial cost per resource can be compared between builds without the rest of the import's pipeline.
/// With <c>--prepared</c> each request's index is made by <c>Vault.PrepareIndex</c> before the stage (as a caller preparing
/// resources in parallel would), timed apart: the stage's figure is then what stays on its calling thread.
/// <c>dotnet run -c Release --project bench/CareLedger.Benchmarks -- vault-stage [--copies 50] [--passes 1] [--prepared]</c>
/// </summary>
internal static class VaultStageLoad
{
    private const int MaxGroup = 512;

    private static string[] Args = [];

    public static int Run(string[] args)
    {
        Args = args;
        var copies = IntArg(args, "--copies", 50);
        var passes = IntArg(args, "--passes", 1);
        var prepared = args.Contains("--prepared");
        var files = LoadFiles();
        var perCopy = files.Sum(f => f.Count);
        Console.WriteLine($"{files.Count} files, {perCopy} resources per copy, {copies} copies, {files.Sum(f => f.Sum(r => r.Index.Count)) / (double)perCopy:F1} index entries per resource");

        // A warm-up run (JIT to tier 1) into its own vault, then the measured ones.
        _ = Pass(files, Math.Min(copies, 5), quiet: true, prepared);
        for (var p = 0; p < passes; p++)
        {
            Pass(files, copies, quiet: false, prepared);
        }

        return 0;
    }

    private static (double Stage, double Commit) Pass(List<List<Template>> files, int copies, bool quiet, bool prepared)
    {
        var directory = Directory.CreateTempSubdirectory("careledger-vault-stage-").FullName;
        try
        {
            using var keyring = FileKeyring.OpenOrCreate(Path.Combine(directory, "keyring.json"));
            using var vault = CareLedger.Vault.Vault.Open(new VaultOptions(Path.Combine(directory, "vault.db"), keyring));
            if (vault.Checkpointer is { } tuned)
            {
                // Experiments only: the checkpointer's interval and the WAL length from which it takes the writer lock.
                tuned.Policy = tuned.Policy with
                {
                    MinInterval = TimeSpan.FromMilliseconds(IntArg(Args, "--checkpoint-interval-ms", (int)tuned.Policy.MinInterval.TotalMilliseconds)),
                    BoundFrames = IntArg(Args, "--gated-frames", (int)tuned.Policy.BoundFrames),
                };
            }

            var total = copies * files.Sum(f => f.Count);
            var windows = 10;
            var window = new (double Stage, double Commit, int Resources)[windows];
            var all = (Stage: 0.0, Commit: 0.0);
            var preparing = 0.0;
            var blocked = (Stage: 0.0, Commit: 0.0);
            var done = 0;
            var tx = 0;
            var wall = Stopwatch.StartNew();
            var process = Process.GetCurrentProcess();
            var cpu0 = process.TotalProcessorTime;
            var group = new List<StageRequest>(MaxGroup);
            for (var copy = 0; copy < copies; copy++)
            {
                for (var f = 0; f < files.Count; f++)
                {
                    if (group.Count > 0 && group.Count + files[f].Count > MaxGroup)
                    {
                        Flush();
                    }

                    foreach (var t in files[f])
                    {
                        var patient = t.PatientId is null ? null : $"{t.PatientId}-c{copy}";
                        group.Add(new StageRequest(new RecordAddress(t.Type, $"{t.Id}-c{copy}", 1), patient, t.Json, t.Index));
                    }
                }
            }

            Flush();
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpu0).TotalMicroseconds / total;
            if (!quiet)
            {
                for (var w = 0; w < windows; w++)
                {
                    var (s, c, n) = window[w];
                    Console.WriteLine($"  resources {w * total / windows,7}–{((w + 1) * total / windows) - 1,7}: stage {s / n:F1} µs, commit {c / n:F1} µs per resource (thread CPU)");
                }

                Console.WriteLine($"{total} resources: stage {all.Stage / total:F1} µs + commit {all.Commit / total:F1} µs per resource (thread CPU); process CPU {cpu:F1} µs per resource; {total / wall.Elapsed.TotalSeconds:N0} resources/s"
                    + (prepared ? $"; indexes prepared before the stage: {preparing / total:F1} µs per resource" : ""));
                if (vault.Checkpointer is { } checkpointer)
                {
                    Console.WriteLine($"  WAL checkpointer: {checkpointer.Rounds} rounds ({checkpointer.Passes} checkpoints), {checkpointer.BoundingPasses} under the writer lock; WAL file {new FileInfo(vault.DatabasePath + "-wal").Length / 1048576.0:F1} MiB");
                }

                Console.WriteLine($"  blocked (wall − on CPU − runnable, the thread's schedstat): stage {blocked.Stage / total:F1} µs + commit {blocked.Commit / total:F1} µs per resource");
            }

            return (all.Stage / total, all.Commit / total);

            void Flush()
            {
                var id = new byte[16];
                BitConverter.TryWriteBytes(id, ++tx);
                if (prepared)
                {
                    var p0 = ThreadCpuMicroseconds();
                    for (var i = 0; i < group.Count; i++)
                    {
                        group[i] = group[i] with { PreparedIndex = vault.PrepareIndex(group[i].Address, group[i].Index) };
                    }

                    preparing += ThreadCpuMicroseconds() - p0;
                }

                var s0 = Sched();
                var t0 = ThreadCpuMicroseconds();
                var staged = vault.Stage(group, id);
                var t1 = ThreadCpuMicroseconds();
                var s1 = Sched();
                vault.Commit(staged, id, ledgerDurable: true);
                var t2 = ThreadCpuMicroseconds();
                var s2 = Sched();
                blocked = (blocked.Stage + Blocked(s0, s1), blocked.Commit + Blocked(s1, s2));
                var w = Math.Min(windows - 1, done * windows / total);
                window[w] = (window[w].Stage + (t1 - t0), window[w].Commit + (t2 - t1), window[w].Resources + group.Count);
                all = (all.Stage + (t1 - t0), all.Commit + (t2 - t1));
                done += group.Count;
                group.Clear();
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed record Template(string Type, string Id, string? PatientId, byte[] Json, List<IndexEntry> Index);

    private static List<List<Template>> LoadFiles()
    {
        // Above the build output, or above the working directory (a build copied elsewhere, run from the repository).
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "data", "synthea")))
        {
            directory = directory.Parent;
        }

        directory ??= new DirectoryInfo(Environment.CurrentDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "data", "synthea")))
        {
            directory = directory.Parent;
        }

        var folder = Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("data/synthea above " + AppContext.BaseDirectory), "data", "synthea");
        var files = new List<List<Template>>();
        foreach (var path in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var bundle = (Bundle)FhirSerialization.ParseJson(File.ReadAllBytes(path));
            var patient = bundle.Entry.Select(e => e.Resource).OfType<Patient>().FirstOrDefault()?.Id;
            // Shared resources (organisations, practitioners) appear in several files: one copy per file, as distinct resources.
            files.Add([.. bundle.Entry.Select(e => e.Resource).OfType<Resource>().DistinctBy(r => (r.TypeName, r.Id)).Select(r =>
                new Template(r.TypeName, $"{r.Id ?? Guid.NewGuid().ToString()}-f{files.Count}", r is Organization or Practitioner or Location ? null : patient,
                    FhirSerialization.ToCanonicalJson(r), SearchIndexer.Extract(r)))]);
        }

        return files;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>Wall time, and the calling thread's time on CPU and runnable in the run queue (/proc/thread-self/schedstat), in µs.</summary>
    private static (double Wall, double OnCpu, double Runnable) Sched()
    {
        var fields = File.ReadAllText("/proc/thread-self/schedstat").Split(' ');
        return (Stopwatch.GetTimestamp() * 1e6 / Stopwatch.Frequency,
            double.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture) / 1e3,
            double.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) / 1e3);
    }

    /// <summary>The time the thread slept between two readings (a lock, an fsync): the load shows as runnable time instead.</summary>
    private static double Blocked((double Wall, double OnCpu, double Runnable) a, (double Wall, double OnCpu, double Runnable) b) =>
        Math.Max(0, (b.Wall - a.Wall) - (b.OnCpu - a.OnCpu) - (b.Runnable - a.Runnable));

    /// <summary>CLOCK_THREAD_CPUTIME_ID (3): the calling thread's CPU time.</summary>
    private static double ThreadCpuMicroseconds() =>
        ClockGetTime(3, out var t) == 0 ? (t.Seconds * 1e6) + (t.Nanoseconds / 1e3) : throw new InvalidOperationException("clock_gettime");

    private static int IntArg(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }
}
