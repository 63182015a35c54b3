using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using CareLedger.Access.Callers;
using CareLedger.Access.Credentials;
using CareLedger.Fhir;
using CareLedger.Fhir.Api;
using CareLedger.Fhir.Storage;
using CareLedger.Node;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Benchmarks.Access;

/// <summary>
/// The overhead of the door on FHIR read throughput (issue 4: at most 15 %). One node, one host (the node's own,
/// <c>NodeHost</c>) and the same 1 KiB Observations, read by id by concurrent clients three ways:
/// <list type="bullet">
/// <item><b>door on, clinician</b>: <c>GET /fhir/Observation/{id}</c> with a clinician's bearer token — token check,
/// scope, credential on the ledger, the patient's consent decided from the record's facts, an audit record queued for
/// anchoring — the full access control;</item>
/// <item><b>door on, system</b>: the same route with the custodian's backend-service token (scope and role; no consent);</item>
/// <item><b>door off</b>: a route that exists only in this harness, mapped on the same host, that reads the same record
/// straight from the vault (decrypt and integrity check, as the door does) and answers it the same way — no token, no
/// decision, no audit. The vault's decrypting read is internal; this project is one of its friends because it is not
/// shipped (ADR 0004). The node has no such route and no switch to turn the door off.</item>
/// </list>
/// Rounds alternate the modes so that a machine shared with other work slows them alike; the figure is the median
/// round. The same is done in process (no HTTP) to show the door's cost per read on its own, with a fourth mode there,
/// <b>clinician, decision only</b>: the same door over the same vault, registries and consents with an audit trail that
/// only counts its records, which splits the door's cost into the decision and the audit record's queueing, encoding,
/// writing and anchoring.
/// Run: dotnet run -c Release --project bench/CareLedger.Benchmarks -- door [--clients 8] [--reads 2000] [--rounds 5]
/// [--only http|process] [--modes off,system,clinician,decision] [--alloc-types] [--patients N] — --only, --modes and
/// --alloc-types narrow a run to what a profiler (<c>perf record</c>) should see alone; the overhead column then needs door off among the modes. The mode
/// <c>off+token</c> (only when named) sends the clinician's bearer token to the door-less route. <c>--decision-cache off</c>
/// runs the node with the door's consent-decision cache turned off (docs/adr/0012), to compare with it on in one build.
/// <c>--token-alg rs256</c> signs the bearer tokens with the node's RSA key instead of its ES256 access-token key
/// (docs/adr/0014; the node accepts both), to compare the two token sizes in one build. <c>--alloc-types</c> prints what
/// the timed reads allocated by type (the runtime's allocation ticks; run one mode at a time). <c>--patients N</c> spreads
/// the 400 Observations over N patients, each with the same consent (default 1): the audit trail's index by patient then
/// takes records on N leaves instead of one, as on a node serving many patients.
/// </summary>
internal static class DoorOverheadLoad
{
    private const string Organisation = "Bench General";
    private const string OffRoute = "/bench/door-off/fhir/{type}/{id}";
    private const int Observations = 400;

    // DoorOffWithToken is a diagnostic, run only when named: the door-less route sent the clinician's bearer token, which
    // it ignores — what the token's bytes alone cost on both ends of the connection, beside what checking it costs.
    private enum Mode { DoorOff, DoorOnSystem, DoorOnClinician, DecisionOnlyClinician, DoorOffWithToken }

    // --alloc-types: the allocation ticks of the timed rounds by type (best with one mode per run).
    private static AllocationSampler? s_sampler;
    private static long s_sampledReads;

    public static async Task<int> RunAsync(string[] args)
    {
        var clients = Option(args, "--clients", 8);
        var readsPerClient = Option(args, "--reads", 2000);
        var rounds = Option(args, "--rounds", 5);
        var decisionCache = Text(args, "--decision-cache") ?? "on";
        if (decisionCache is not ("on" or "off"))
        {
            throw new ArgumentException($"--decision-cache: '{decisionCache}' is not on or off");
        }

        var patients = Option(args, "--patients", 1);
        if (patients is < 1 or > Observations)
        {
            throw new ArgumentException($"--patients: {patients} is not between 1 and {Observations}");
        }

        var tokenAlgorithm = Text(args, "--token-alg") ?? "es256";
        if (tokenAlgorithm is not ("es256" or "rs256"))
        {
            throw new ArgumentException($"--token-alg: '{tokenAlgorithm}' is not es256 or rs256");
        }

        using var sampler = args.Contains("--alloc-types") ? new AllocationSampler() : null;
        s_sampler = sampler;
        var directory = Directory.CreateTempSubdirectory("careledger-door-bench-").FullName;
        try
        {
            await using var node = await CareLedgerNode.InitializeAsync(NodePaths.For(Path.Combine(directory, "data")),
                new NodeConfig
                {
                    Origin = "bench.careledger.local/door",
                    OrganisationName = Organisation,
                    DecisionCacheCapacity = decisionCache == "off" ? 0 : null,
                }, CancellationToken.None);
            var (practitioner, ids) = await SeedAsync(node, patients);
            Console.WriteLine($"node: {patients} patient{(patients == 1 ? "" : "s")}, {ids.Length} Observations (~1 KiB each), a consent permitting {practitioner} (TREAT), a licence on the ledger; decision cache {decisionCache}; bearer tokens {tokenAlgorithm.ToUpperInvariant()}");
            // What the runtime runs with: `careledger` runs server GC without dynamic PGO (src/CareLedger/CareLedger.csproj);
            // this project sets the same, so that the door is measured as the node runs it (docs/benchmarks.md).
            Console.WriteLine($"runtime: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, {Environment.ProcessorCount} processors, "
                + $"TieredPGO {Environment.GetEnvironmentVariable("DOTNET_TieredPGO") ?? AppContext.GetData("System.Runtime.TieredPGO")?.ToString() ?? "default (on)"}");

            var only = Text(args, "--only");
            var modes = Modes(Text(args, "--modes"));
            if (only is null or "process")
            {
                InProcess(node, practitioner, ids, clients, readsPerClient * 4, rounds, [.. modes.Where(m => m != Mode.DoorOffWithToken)]);
            }

            if (only is null or "http")
            {
                await OverHttpAsync(node, practitioner, ids, clients, readsPerClient, rounds, [.. modes.Where(m => m != Mode.DecisionOnlyClinician)], tokenAlgorithm);
            }

            Console.WriteLine($"consent decisions answered from the decision cache: {node.Gate.KeptDecisionsUsed:N0}");
            sampler?.Report(s_sampledReads);
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task OverHttpAsync(CareLedgerNode node, string practitioner, string[] ids, int clients, int readsPerClient, int rounds, Mode[] modes,
        string tokenAlgorithm)
    {
        var app = NodeHost.Build(node, "http://127.0.0.1:0");
        // The door-less read: only here, on this harness's instance of the host.
        app.MapGet(OffRoute, (HttpContext context, string type, string id) =>
        {
            FhirService.EnsureKnownType(type);
            var record = node.Vault.ReadRecord(type, id, null);
            return record is { Deleted: false, Content: { } json }
                ? FhirHttp.StoredResource(context, json, new ResourceHead(type, id, record.Address.Version, false, record.LastUpdated, null))
                : Results.NotFound();
        });
        await app.StartAsync();
        try
        {
            var baseUrl = NodeHost.BoundAddresses(app)[0].TrimEnd('/');
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients };
            using var http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl) };
            var key = SigningKey(node, tokenAlgorithm);
            var tokens = new Dictionary<Mode, string?>
            {
                [Mode.DoorOff] = null,
                [Mode.DoorOnSystem] = Token(key, baseUrl, "bench-system", "system", "system/*.cruds", null),
                [Mode.DoorOnClinician] = Token(key, baseUrl, "bench-clinician", "clinician", "user/*.cruds", practitioner),
            };
            tokens[Mode.DoorOffWithToken] = tokens[Mode.DoorOnClinician];
            Console.WriteLine($"bearer tokens ({tokenAlgorithm.ToUpperInvariant()}): system {tokens[Mode.DoorOnSystem]!.Length} characters, clinician {tokens[Mode.DoorOnClinician]!.Length}");
            string PathOf(Mode mode, string id) =>
                mode is Mode.DoorOff or Mode.DoorOffWithToken ? $"/bench/door-off/fhir/Observation/{id}" : $"/fhir/Observation/{id}";

            // The header's value made once per token, as a client that holds a token makes it once: a typed
            // AuthenticationHeaderValue is formatted into a new string on every send (≈ 1.2 KB for an ES256 token), garbage
            // of this harness's client that the process-wide counters charged to the door.
            var authorization = tokens.ToDictionary(t => t.Key, t => t.Value is { } token ? $"Bearer {token}" : null);
            var results = await RunRoundsAsync(node, modes, rounds, (mode, reads) => Measure(clients, reads, ids, async id =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, PathOf(mode, id));
                if (authorization[mode] is { } bearer)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", bearer);
                }

                using var response = await http.SendAsync(request);
                var body = await response.Content.ReadAsByteArrayAsync();
                if (response.StatusCode != HttpStatusCode.OK || body.Length < 500)
                {
                    throw new InvalidOperationException($"{mode}: read of Observation/{id} answered {(int)response.StatusCode}");
                }
            }, () => node.Audit.FlushAsync()), readsPerClient);

            Report($"over HTTP (Kestrel on loopback, {clients} clients, {readsPerClient * clients:N0} reads per round, median of {rounds} rounds)", results);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static void InProcess(CareLedgerNode node, string practitioner, string[] ids, int clients, int readsPerClient, int rounds, Mode[] modes)
    {
        var system = FhirCaller.Custodian(Organisation, "bench-system");
        var clinician = new FhirCaller(
            new Accessor("bench-clinician", CareLedgerRole.Clinician, practitioner, Organisation, null, AllScopes.Instance),
            CareLedger.Access.Gate.AccessContext.Default);
        // The same door over the same vault, registries and consents, with an audit trail that only counts: what the
        // decision costs without the audit record being encoded, written and anchored.
        var decisionOnly = new CareLedger.Access.Gate.AccessGate(node.Vault, node.Config.GateOptions(), new CountingAuditTrail(), node.Credentials,
            node.BreakGlass, node.Delegations, TimeProvider.System);
        var results = RunRoundsAsync(node, modes, rounds, (mode, reads) => Measure(clients, reads, ids, id =>
        {
            var length = mode switch
            {
                Mode.DoorOff => node.Vault.ReadRecord("Observation", id, null)?.Content?.Length ?? 0,
                Mode.DoorOnSystem => node.Fhir.Read(system, "Observation", id).Json.Length,
                Mode.DecisionOnlyClinician => decisionOnly.Read(clinician.Who, clinician.Context, "Observation", id)?.Json.Length ?? 0,
                _ => node.Fhir.Read(clinician, "Observation", id).Json.Length,
            };
            if (length < 500)
            {
                throw new InvalidOperationException($"{mode}: Observation/{id} was not read");
            }

            return Task.CompletedTask;
        }, () => node.Audit.FlushAsync()), readsPerClient).GetAwaiter().GetResult();

        Report($"in process (no HTTP, {clients} threads, {readsPerClient * clients:N0} reads per round, median of {rounds} rounds)", results);
    }

    /// <summary>
    /// The measured rounds after one warm-up round. Each round reads every mode twice, half its reads each time, in mirrored
    /// order (off, system, clinician, clinician, system, off): a drift of the machine's speed within a round (another
    /// process's build starting, a CPU's frequency) that is linear in time then slows every mode alike, and a round's
    /// figure for a mode is its two halves together. The overhead is then taken per round, door on against the door off
    /// of the same round (paired), and summarised by the median of those ratios — not by the ratio of two medians taken
    /// from different rounds, which is what let one build measure 8–18 % on a shared machine.
    /// </summary>
    private static async Task<Dictionary<Mode, List<Figures>>> RunRoundsAsync(CareLedgerNode node, Mode[] modes, int rounds,
        Func<Mode, int, Task<Figures>> measure, int readsPerClient)
    {
        var results = modes.ToDictionary(m => m, _ => new List<Figures>());
        Mode[] order = [.. modes, .. modes.Reverse()];
        for (var round = 0; round <= rounds; round++)
        {
            var halves = modes.ToDictionary(m => m, _ => new List<Figures>());
            for (var slot = 0; slot < order.Length; slot++)
            {
                var mode = order[slot];
                var reads = slot < modes.Length ? readsPerClient / 2 : readsPerClient - readsPerClient / 2;
                // Settle before the clock starts: the previous slice's garbage collected and its audit records written and
                // anchored (that work is charged to the previous slice below), so that no slice pays for another.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                await node.Audit.FlushAsync();
                if (s_sampler is not null)
                {
                    s_sampler.Enabled = round > 0;
                }

                var figures = await measure(mode, reads);
                if (s_sampler is not null)
                {
                    s_sampler.Enabled = false;
                    s_sampledReads += round > 0 ? figures.Reads : 0;
                }

                halves[mode].Add(figures);
            }

            if (round > 0)
            {
                foreach (var mode in modes)
                {
                    results[mode].Add(Figures.Sum(halves[mode]));
                }
            }
        }

        return results;
    }

    /// <summary>One mode's reads in one round (or half of them): the wall-clock rate, latencies, and per-read CPU and allocation.</summary>
    private sealed record Figures(int Reads, double Seconds, double[] Latencies, double AllocatedBytes, double CpuMicros, double GcPauseMicros, int Gen1Collections)
    {
        public double PerSecond => Reads / Seconds;

        public double P50 => Percentile(0.5);

        public double P95 => Percentile(0.95);

        public double BytesPerRead => AllocatedBytes / Reads;

        /// <summary>Process CPU (every thread: readers, the audit trail's, GC, and over HTTP the clients' and Kestrel's) per read.</summary>
        public double CpuMicrosPerRead => CpuMicros / Reads;

        public double GcPauseMicrosPerRead => GcPauseMicros / Reads;

        public static Figures Sum(List<Figures> parts)
        {
            var latencies = parts.SelectMany(p => p.Latencies).ToArray();
            Array.Sort(latencies);
            return new Figures(parts.Sum(p => p.Reads), parts.Sum(p => p.Seconds), latencies, parts.Sum(p => p.AllocatedBytes),
                parts.Sum(p => p.CpuMicros), parts.Sum(p => p.GcPauseMicros), parts.Sum(p => p.Gen1Collections));
        }

        private double Percentile(double q) => Latencies[Math.Min(Latencies.Length - 1, (int)(Latencies.Length * q))];
    }

    private static async Task<Figures> Measure(int clients, int readsPerClient, string[] ids, Func<string, Task> read, Func<Task> settle)
    {
        var latencies = new double[clients * readsPerClient];
        // Allocated bytes and process CPU per read (all threads: the readers, the audit trail's, the GC's, and over HTTP
        // the clients' and Kestrel's too), to see where a change helps beside the wall-clock rate.
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var pausedBefore = GC.GetTotalPauseDuration();
        var gen1Before = GC.CollectionCount(1);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < readsPerClient; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await read(ids[(int)(((long)c * 7919 + (long)i * 104_729) % ids.Length)]);
                latencies[c * readsPerClient + i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        })));
        var elapsed = clock.Elapsed;
        // The rate stops with the last read; the CPU count goes on until this slice's audit records are written and
        // anchored (the audit trail's thread works behind the reads, ADR 0004): the door's whole cost is charged to it.
        await settle();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        return new Figures(latencies.Length, elapsed.TotalSeconds, latencies, allocated, cpu.TotalMicroseconds,
            (GC.GetTotalPauseDuration() - pausedBefore).TotalMicroseconds, GC.CollectionCount(1) - gen1Before);
    }

    private static void Report(string title, Dictionary<Mode, List<Figures>> results)
    {
        Figures Median(Mode mode) => results[mode].OrderBy(f => f.PerSecond).ElementAt(results[mode].Count / 2);
        var offRounds = results.GetValueOrDefault(Mode.DoorOff);
        // Per round, door on against the door off of the same round.
        double[] Paired(Mode mode, Func<Figures, Figures, double> of) => [.. results[mode].Zip(offRounds!, of)];
        Console.WriteLine();
        Console.WriteLine(title);
        Console.WriteLine($"  {"mode",-36} {"reads/s",10} {"p50 ms",8} {"p95 ms",8} {"overhead",9} {"CPU µs/read",12} {"bytes/read",11} {"GC µs/read",11} {"gen1 GCs",9}   (all rounds, reads/s)");
        foreach (var mode in results.Keys)
        {
            var f = Median(mode);
            var overhead = mode == Mode.DoorOff || offRounds is null ? "—" : Percent(MedianOf(Paired(mode, (on, off) => 1 - on.PerSecond / off.PerSecond)));
            var all = string.Join(" ", results[mode].Select(r => r.PerSecond.ToString("N0", CultureInfo.InvariantCulture)));
            Console.WriteLine($"  {Describe(mode),-36} {f.PerSecond,10:N0} {f.P50,8:F3} {f.P95,8:F3} {overhead,9} {f.CpuMicrosPerRead,12:F1} {f.BytesPerRead,11:N0} {f.GcPauseMicrosPerRead,11:F2} {f.Gen1Collections,9}   ({all})");
        }

        if (offRounds is null || results.Count < 2)
        {
            return;
        }

        // The headline is the throughput overhead (door on against door off); the CPU per read is supporting evidence,
        // steadier on a shared machine because another process's work does not count in this process's CPU time.
        Console.WriteLine();
        Console.WriteLine("  paired by round (door on against the door off of the same round): median [interval for the median, its confidence]");
        foreach (var mode in results.Keys.Where(m => m != Mode.DoorOff))
        {
            var overheads = Paired(mode, (on, off) => 1 - on.PerSecond / off.PerSecond);
            var cpuMore = Paired(mode, (on, off) => on.CpuMicrosPerRead - off.CpuMicrosPerRead);
            var cpuShare = Paired(mode, (on, off) => 1 - off.CpuMicrosPerRead / on.CpuMicrosPerRead);
            var (low, high, confidence) = MedianInterval(overheads);
            var (cpuLow, cpuHigh, _) = MedianInterval(cpuMore);
            var (shareLow, shareHigh, _) = MedianInterval(cpuShare);
            Console.WriteLine($"  {Describe(mode),-36} overhead {Percent(MedianOf(overheads))} [{Percent(low)} – {Percent(high)}, {confidence:P0}]; "
                + $"CPU +{MedianOf(cpuMore):F1} µs/read [{cpuLow:F1} – {cpuHigh:F1}]; CPU share 1 − off/on {Percent(MedianOf(cpuShare))} [{Percent(shareLow)} – {Percent(shareHigh)}]");
            Console.WriteLine($"  {string.Empty,-36} rounds' overheads: {string.Join(" ", overheads.Select(Percent))}");
        }

        // Each mode's own CPU per read across its rounds: what compares one build's door off (or door on) with another's,
        // run alternately, when the paired figures above are too close to separate them.
        Console.WriteLine();
        Console.WriteLine("  CPU µs per read, each mode's own rounds: median [interval for the median, its confidence]");
        foreach (var mode in results.Keys)
        {
            var cpu = results[mode].Select(f => f.CpuMicrosPerRead).ToArray();
            var (low, high, confidence) = MedianInterval(cpu);
            Console.WriteLine($"  {Describe(mode),-36} {MedianOf(cpu),6:F1} [{low:F1} – {high:F1}, {confidence:P0}]");
        }
    }

    private static string Percent(double value) => value.ToString("P1", CultureInfo.InvariantCulture);

    private static double MedianOf(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>
    /// A distribution-free interval for the median of <paramref name="values"/> (order statistics: the k-th smallest of n lies above
    /// the median with probability P(Binomial(n, ½) ≤ k − 1)), the narrowest whose confidence is at least 95 %;
    /// with too few rounds for 95 % (fewer than 6), the range of all of them and its lower confidence.
    /// </summary>
    private static (double Low, double High, double Confidence) MedianInterval(double[] values)
    {
        var sorted = values.Order().ToArray();
        var n = sorted.Length;
        // P(Binomial(n, ½) ≤ j) for j = 0, 1, ...; the interval [x(k), x(n-k+1)] (1-based) misses the median with 2·P(B ≤ k-1).
        double Below(int k)
        {
            double sum = 0, term = Math.Pow(0.5, n);
            for (var j = 0; j < k; j++)
            {
                sum += term;
                term *= (double)(n - j) / (j + 1);
            }

            return sum;
        }

        var best = 1;
        while (best + 1 <= (n + 1) / 2 && 1 - 2 * Below(best + 1) >= 0.95)
        {
            best++;
        }

        return (sorted[best - 1], sorted[n - best], 1 - 2 * Below(best));
    }

    private static string Describe(Mode mode) => mode switch
    {
        Mode.DoorOff => "door off (harness-only route)",
        Mode.DoorOnSystem => "door on, custodian system",
        Mode.DecisionOnlyClinician => "clinician, decision only (no audit)",
        Mode.DoorOffWithToken => "door off, sent the clinician's token",
        _ => "door on, clinician under consent",
    };

    private static async Task<(string Practitioner, string[] Observations)> SeedAsync(CareLedgerNode node, int patientCount)
    {
        var ct = CancellationToken.None;
        var custodian = FhirCaller.Custodian(Organisation, "bench-seed");
        await node.Fhir.UpdateAsync(custodian, "Practitioner", "bench-dr", new Practitioner { Id = "bench-dr", Active = true }, null, ct);
        var practitioner = "Practitioner/bench-dr";
        var patients = new string[patientCount];
        for (var p = 0; p < patientCount; p++)
        {
            patients[p] = await SeedPatientAsync(node, custodian, practitioner, ct);
        }

        var board = await node.Credentials.EnsureIssuerKeyAsync("Bench board", ct);
        await node.Credentials.IssueAsync(board, practitioner, new PractitionerLicence("BENCH-1", "general practice"), DateTimeOffset.UtcNow.AddYears(1), ct);

        var note = string.Concat(Enumerable.Repeat("lorem ipsum ", 55));
        // Observation i belongs to patient i mod N, so that consecutive reads go to different patients.
        var ids = await Task.WhenAll(Enumerable.Range(0, Observations).Select(async i => (await node.Fhir.CreateAsync(custodian, new Observation
        {
            Status = ObservationStatus.Final,
            Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
            Code = new CodeableConcept("http://loinc.org", "8867-4", "Heart rate"),
            Subject = new ResourceReference($"Patient/{patients[i % patientCount]}"),
            Effective = new FhirDateTime(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i)),
            Value = new Quantity(60 + (i % 40), "/min", "http://unitsofmeasure.org"),
            Note = [new Annotation { Text = new Markdown(note) }],
        }, null, ct)).Id));
        await node.Audit.FlushAsync(ct);
        return (practitioner, ids);
    }

    /// <summary>A patient whose consent permits the benchmark's practitioner to read for treatment.</summary>
    private static async Task<string> SeedPatientAsync(CareLedgerNode node, FhirCaller custodian, string practitioner, CancellationToken ct)
    {
        var patient = (await node.Fhir.CreateAsync(custodian, new Patient { Gender = AdministrativeGender.Female, BirthDate = "1970-01-01" }, null, ct)).Id;
        await node.Fhir.CreateAsync(custodian, new Hl7.Fhir.Model.Consent
        {
            Status = Hl7.Fhir.Model.Consent.ConsentState.Active,
            Scope = new CodeableConcept("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy"),
            Category = [new CodeableConcept("http://loinc.org", "59284-0")],
            Patient = new ResourceReference($"Patient/{patient}"),
            Policy = [new Hl7.Fhir.Model.Consent.PolicyComponent { Uri = "https://careledger.org/policy/bench" }],
            Provision = new Hl7.Fhir.Model.Consent.provisionComponent
            {
                Type = Hl7.Fhir.Model.Consent.ConsentProvisionType.Permit,
                Actor = [new Hl7.Fhir.Model.Consent.provisionActorComponent
                {
                    Role = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP"),
                    Reference = new ResourceReference(practitioner),
                }],
                Purpose = [new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT")],
            },
        }, null, ct);
        return patient;
    }

    /// <summary>
    /// The node's own access-token key (ES256, what its token endpoint issues: ADR 0014) or, with <c>--token-alg rs256</c>,
    /// its RSA key, which the node still accepts: the same build compares the two token sizes.
    /// </summary>
    private static SigningCredentials SigningKey(CareLedgerNode node, string algorithm)
    {
        var keys = Path.Combine(node.Paths.DataDirectory, "keys");
        if (algorithm == "rs256")
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(File.ReadAllText(Path.Combine(keys, "identity-signing.pem")));
            var rsaKey = new RsaSecurityKey(rsa);
            rsaKey.KeyId = Base64UrlEncoder.Encode(rsaKey.ComputeJwkThumbprint());
            return new SigningCredentials(rsaKey, SecurityAlgorithms.RsaSha256);
        }

        var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(File.ReadAllText(Path.Combine(keys, "identity-access-signing.pem")));
        var key = new ECDsaSecurityKey(ecdsa);
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256);
    }

    private static string Token(SigningCredentials key, string baseUrl, string subject, string role, string scope, string? fhirUser)
    {
        var claims = new Dictionary<string, object>
        {
            ["sub"] = subject,
            ["role"] = role,
            ["scope"] = scope,
            ["client_id"] = "careledger-bench",
            ["organisation"] = Organisation,
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        if (fhirUser is not null)
        {
            claims["fhirUser"] = $"{baseUrl}/fhir/{fhirUser}";
        }

        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = baseUrl + "/",
            Audience = baseUrl + "/fhir",
            NotBefore = now.AddMinutes(-1),
            IssuedAt = now.AddMinutes(-1),
            Expires = now.AddMinutes(14),
            TokenType = "at+jwt",
            SigningCredentials = key,
            Claims = claims,
        });
    }

    private static string? Text(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    /// <summary>The modes named by <c>--modes</c> (off, system, clinician, decision, off+token), in the order of the enum; all but off+token by default.</summary>
    private static Mode[] Modes(string? names)
    {
        if (names is null)
        {
            return [Mode.DoorOff, Mode.DoorOnSystem, Mode.DoorOnClinician, Mode.DecisionOnlyClinician];
        }

        var wanted = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(name => name switch
        {
            "off" => Mode.DoorOff,
            "system" => Mode.DoorOnSystem,
            "clinician" => Mode.DoorOnClinician,
            "decision" => Mode.DecisionOnlyClinician,
            "off+token" => Mode.DoorOffWithToken,
            _ => throw new ArgumentException($"--modes: '{name}' is not one of off, system, clinician, decision, off+token"),
        }).ToHashSet();
        return [.. Enum.GetValues<Mode>().Where(wanted.Contains)];
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
    }

    private sealed class CountingAuditTrail : CareLedger.Access.Audit.IAuditTrail
    {
        private long count;

        public void Record(CareLedger.Access.Audit.AuditRecord record) => Interlocked.Increment(ref count);
    }

    private sealed class AllScopes : IScopeCheck
    {
        public static readonly AllScopes Instance = new();

        public bool Permits(string resourceType, CareLedger.Access.Gate.AccessAction action) => true;

        public string RequiredScope(string resourceType, CareLedger.Access.Gate.AccessAction action) => $"user/{resourceType}.rs";
    }
}
