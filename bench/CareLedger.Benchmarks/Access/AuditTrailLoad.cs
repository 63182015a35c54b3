using System.Diagnostics;
using System.Globalization;
using CareLedger.Access.Audit;
using CareLedger.Access.Callers;
using CareLedger.Access.Gate;
using CareLedger.Ledger.Engine;

namespace CareLedger.Benchmarks.Access;

/// <summary>
/// The audit trail's CPU per record in isolation (issue 4): <c>--records</c> door-shaped records (a clinician's permitted
/// read of one Observation; <c>--patients</c> patients, <c>--accessors</c> accessors, one record in 200 break-glass)
/// pushed through the real <see cref="AuditTrail"/> on a file-backed <c>audit.db</c> with the node's ledger, paced at
/// <c>--rate</c> records a second (the door's read rate, so that batches are the size the door makes with the 50 ms
/// interval; <c>--rate 0</c>: as fast as the trail takes them, batches of 4,096), then flushed (written, fsynced,
/// anchored). Records are built before the clock starts; the clock covers <see cref="AuditTrail.Record"/> (encoding and
/// queueing on the calling thread) and everything the trail and the ledger do for them.
/// Reports, per record: the process's CPU, the CPU of the trail's own thread (<c>audit-trail</c>: inserts, commitments,
/// tree, anchor, commit, fsync) and of the other threads, from <c>/proc/self/task/*/schedstat</c> (Linux); the bytes the
/// trail's thread wrote (WAL frames and checkpoints, <c>/proc/self/task/*/io</c> <c>wchar</c>); the database's size.
/// Run: dotnet run -c Release --project bench/CareLedger.Benchmarks -- audit [--records 100000] [--rate 8000]
/// [--patients 300] [--accessors 5] [--rounds 3] [--warmup 20000] (records kept before the first round; a larger warm-up
/// measures a database that has grown beyond SQLite's page cache) [--merge 4096] (the patient index's merge count, ADR 0018)
/// [--queries 200] (after the rounds: that many "who accessed my data" queries, <see cref="AuditTrail.ForPatient"/> with
/// limit 100 for a random patient, at once after the last round — the unmerged tail as the load left it — then again once
/// the trail has merged on idle; CPU per query; then queries by time alone: the newest 100, of the last second, not
/// break-glass, and one that matches nothing; then by accessor (the newest 100, of the last second) and of break-glass
/// records)
/// </summary>
internal static class AuditTrailLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = Option(args, "--records", 100_000);
        var rate = Option(args, "--rate", 8_000);
        var patients = Option(args, "--patients", 300);
        var accessors = Option(args, "--accessors", 5);
        var rounds = Option(args, "--rounds", 3);
        var warmup = Option(args, "--warmup", 20_000);
        var merge = Option(args, "--merge", AuditTrailOptions.Default.PatientIndexMergeRecords);
        var queries = Option(args, "--queries", 200);
        var directory = Directory.CreateTempSubdirectory("careledger-audit-load-").FullName;
        try
        {
            await using var ledger = await LedgerEngine.InitializeAsync(new LedgerOptions(Path.Combine(directory, "data")),
                "bench.example/careledger", "Benchmark Hospital", CancellationToken.None);
            var databasePath = Path.Combine(directory, "data", "audit.db");
            await using var trail = AuditTrail.Open(databasePath, ledger, AuditTrailOptions.Default with { PatientIndexMergeRecords = merge });
            // Warm-up, outside the clock: the JIT and the first pages at the round's pace, then (--warmup beyond 20,000)
            // unpaced batches of 4,096, for a database that has grown beyond SQLite's page cache.
            Push(trail, Records(Math.Min(warmup, 20_000), patients, accessors, rate, DateTimeOffset.UtcNow.AddHours(-1)), rate);
            for (var done = 20_000; done < warmup; done += 100_000)
            {
                Push(trail, Records(Math.Min(100_000, warmup - done), patients, accessors, rate, DateTimeOffset.UtcNow.AddHours(-1)), 0);
            }

            await trail.FlushAsync();
            Console.WriteLine($"audit trail load: {count:N0} records a round, rate {(rate == 0 ? "unpaced" : rate.ToString("N0", CultureInfo.InvariantCulture) + "/s")}, {patients} patients, {accessors} accessors, patient index merged every {merge:N0} records");
            Console.WriteLine("round | process CPU µs/record | trail thread µs/record | other threads µs/record (process − trail) | trail thread bytes written/record | db bytes/record | wall s");
            var process = new List<double>();
            var trailThread = new List<double>();
            for (var round = 1; round <= rounds; round++)
            {
                var records = Records(count, patients, accessors, rate, DateTimeOffset.UtcNow);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var dbBefore = DatabaseBytes(databasePath);
                var threadsBefore = Threads();
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                Push(trail, records, rate);
                await trail.FlushAsync();
                wall.Stop();
                var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / count;
                var threadsAfter = Threads();
                var (trailNs, trailWritten) = Delta(threadsBefore, threadsAfter, "audit-trail");
                var dbBytes = (double)(DatabaseBytes(databasePath) - dbBefore) / count;
                process.Add(cpu);
                trailThread.Add(trailNs / 1000.0 / count);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{round} | {cpu:F2} | {trailNs / 1000.0 / count:F2} | {cpu - trailNs / 1000.0 / count:F2} | {(double)trailWritten / count:F0} | {dbBytes:F0} | {wall.Elapsed.TotalSeconds:F1}"));
            }

            process.Sort();
            trailThread.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"median: process CPU {process[process.Count / 2]:F2} µs/record, trail thread {trailThread[trailThread.Count / 2]:F2} µs/record"));
            if (queries > 0)
            {
                var pseudonyms = Records(count, patients, accessors, rate, DateTimeOffset.UtcNow).Select(r => r.Patient!).Distinct().ToArray();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ForPatient (limit 100), {queries} queries: {QueryCpu(trail, pseudonyms, queries):F0} µs CPU/query at once after the load"));
                // Until the idle merge (2 s by default) has taken every record, asked of the database, not a fixed wait.
                var idle = Stopwatch.StartNew();
                await WaitForIdleMergeAsync(databasePath, TimeSpan.FromSeconds(30));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ForPatient (limit 100), {queries} queries: {QueryCpu(trail, pseudonyms, queries):F0} µs CPU/query after the idle merge ({idle.Elapsed.TotalSeconds:F1} s)"));
                // Queries by time alone (no patient, no accessor): the newest 100, the newest 100 of the last second, the
                // newest 100 not break-glass, and a filter nothing matches (the whole table read: the worst case).
                var now = DateTimeOffset.UtcNow;
                foreach (var (name, q, times) in new[]
                {
                    ("newest 100", new AuditQuery { Limit = 100 }, queries),
                    ("last second, 100", new AuditQuery { From = now.AddSeconds(-1), Limit = 100 }, queries),
                    ("not break-glass, 100", new AuditQuery { BreakGlass = false, Limit = 100 }, queries),
                    ("action export (none), 100", new AuditQuery { Action = AccessAction.Export, Limit = 100 }, Math.Max(1, queries / 50)),
                    // By accessor and of break-glass records (ADR 0024: through the batches' ranges of each).
                    ("accessor clinician-000, 100", new AuditQuery { AccessorSubject = "clinician-000-7f3c9a2e", Limit = 100 }, queries),
                    ("accessor clinician-000 last second, 100", new AuditQuery { AccessorSubject = "clinician-000-7f3c9a2e", From = now.AddSeconds(-1), Limit = 100 }, queries),
                    ("break-glass, 100", new AuditQuery { BreakGlass = true, Limit = 100 }, queries),
                })
                {
                    var before = Process.GetCurrentProcess().TotalProcessorTime;
                    var found = 0;
                    for (var i = 0; i < times; i++)
                    {
                        found += trail.Query(q).Count;
                    }

                    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMicroseconds / times;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Query, {name}: {cpu:F0} µs CPU/query ({times} queries, {found / times} records each)"));
                }
            }

            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Records at the pace of <paramref name="rate"/> records a second: every 5 ms, the records due by then.</summary>
    private static void Push(AuditTrail trail, AuditRecord[] records, int rate)
    {
        if (rate == 0)
        {
            foreach (var record in records)
            {
                trail.Record(record);
            }

            return;
        }

        var clock = Stopwatch.StartNew();
        var next = 0;
        while (next < records.Length)
        {
            var due = Math.Min(records.Length, (int)(clock.Elapsed.TotalSeconds * rate) + 1);
            for (; next < due; next++)
            {
                trail.Record(records[next]);
            }

            Thread.Sleep(5);
        }
    }

    /// <summary>
    /// Door-shaped records: ids made as the door makes them (UUIDv7 of the record's time), times at the given rate from
    /// <paramref name="start"/>, with the jitter of concurrent requests (a record may carry a time up to 3 ms earlier than
    /// the one queued before it).
    /// </summary>
    private static AuditRecord[] Records(int count, int patients, int accessors, int rate, DateTimeOffset start)
    {
        var random = new Random(count + patients);
        var pseudonyms = Enumerable.Range(0, patients).Select(_ => { var p = new byte[16]; random.NextBytes(p); return p; }).ToArray();
        var perMs = rate == 0 ? 50.0 : rate / 1000.0;
        var records = new AuditRecord[count];
        for (var i = 0; i < count; i++)
        {
            var time = start.AddMilliseconds(Math.Max(0, (long)(i / perMs) - random.Next(4)));
            var accessor = random.Next(accessors);
            var breakGlass = random.Next(200) == 0;
            records[i] = new AuditRecord(
                Guid.CreateVersion7(time),
                time,
                AccessAction.Read,
                AuditOutcome.Permit,
                $"clinician-{accessor:D3}-7f3c9a2e",
                CareLedgerRole.Clinician,
                $"Practitioner/bench-clinician-{accessor:D3}",
                "Bench General",
                breakGlass ? "ETREAT" : "TREAT",
                pseudonyms[random.Next(patients)],
                "Observation",
                $"obs-{random.Next(400):D4}-5d1e",
                Disclosed: 1,
                Withheld: 0,
                BreakGlass: breakGlass,
                breakGlass ? ["break-glass access declared: emergency"] : ["TREAT permitted by the patient's consent to the care team at Bench General"],
                Detail: null,
                RequestId: $"0HN8{random.Next():X8}:00000001");
        }

        return records;
    }

    /// <summary>The process's CPU per <see cref="AuditTrail.ForPatient"/> query (the trail is idle meanwhile).</summary>
    private static double QueryCpu(AuditTrail trail, byte[][] pseudonyms, int queries)
    {
        var random = new Random(queries);
        var found = 0;
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < queries; i++)
        {
            found += trail.ForPatient(pseudonyms[random.Next(pseudonyms.Length)], null, 100).Count;
        }

        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMicroseconds / queries;
        return found > 0 ? cpu : throw new InvalidOperationException("no query found a record");
    }

    private readonly record struct ThreadStat(string Name, long RunNs, long Written);

    private static Dictionary<string, ThreadStat> Threads()
    {
        var threads = new Dictionary<string, ThreadStat>();
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                var runNs = long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0], CultureInfo.InvariantCulture);
                var written = File.ReadLines(Path.Combine(task, "io")).Where(l => l.StartsWith("wchar:", StringComparison.Ordinal))
                    .Select(l => long.Parse(l["wchar:".Length..].Trim(), CultureInfo.InvariantCulture)).FirstOrDefault();
                threads[Path.GetFileName(task)] = new ThreadStat(name, runNs, written);
            }
            catch (IOException)
            {
                // The thread ended while it was read.
            }
        }

        return threads;
    }

    private static (long RunNs, long Written) Delta(Dictionary<string, ThreadStat> before, Dictionary<string, ThreadStat> after, string name)
    {
        long runNs = 0, written = 0;
        foreach (var (id, stat) in after.Where(t => t.Value.Name == name))
        {
            before.TryGetValue(id, out var earlier);
            runNs += stat.RunNs - earlier.RunNs;
            written += stat.Written - earlier.Written;
        }

        return (runNs, written);
    }

    /// <summary>Polls until no record waits for the patient index (ADR 0018); fails past <paramref name="timeout"/>.</summary>
    private static async Task WaitForIdleMergeAsync(string databasePath, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False"))
            {
                connection.Open();
                using var count = connection.CreateCommand();
                count.CommandText = "SELECT count(*) FROM audit_records WHERE place >= (SELECT merged_below FROM audit_patient_merge WHERE id = 0) AND patient IS NOT NULL";
                if (Convert.ToInt64(count.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
                {
                    return;
                }
            }

            await Task.Delay(50, deadline.Token);
        }
    }

    private static long DatabaseBytes(string path) =>
        new FileInfo(path).Length;

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
