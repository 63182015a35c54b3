using BenchmarkDotNet.Attributes;
using CareLedger.Access.Audit;
using CareLedger.Access.Callers;
using CareLedger.Access.Gate;
using CareLedger.Ledger.Engine;

namespace CareLedger.Benchmarks.Access;

/// <summary>
/// What the door pays per decision: <see cref="AuditTrail.Record"/> (validate and enqueue) while the trail's loop writes
/// and anchors concurrently. Each iteration records <see cref="PerIteration"/> prepared records, then (unmeasured) waits
/// until they are anchored, so the queue never fills and Record never waits for room.
/// Run: dotnet run -c Release --project bench/CareLedger.Benchmarks -- --filter '*AuditRecord*' --job short
/// </summary>
[MemoryDiagnoser]
[InvocationCount(PerIteration)]
public class AuditRecordBenchmarks
{
    private const int PerIteration = 16_384;

    private readonly string directory = Path.Combine(Path.GetTempPath(), $"careledger-audit-bench-{Guid.NewGuid():N}");
    private LedgerEngine ledger = null!;
    private AuditTrail trail = null!;
    private AuditRecord[] records = [];
    private int next;

    [GlobalSetup]
    public void Setup()
    {
        ledger = LedgerEngine.InitializeAsync(new LedgerOptions(Path.Combine(directory, "data")), "bench.example/careledger", "Benchmark Hospital", CancellationToken.None)
            .GetAwaiter().GetResult();
        trail = AuditTrail.Open(Path.Combine(directory, "data", "audit.db"), ledger);
    }

    [IterationSetup]
    public void PrepareRecords()
    {
        records = AuditBenchmarkRecords.Create(PerIteration);
        next = 0;
    }

    [Benchmark]
    public void Record() => trail.Record(records[next++]);

    [IterationCleanup]
    public void WaitUntilAnchored() => trail.FlushAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        trail.DisposeAsync().AsTask().GetAwaiter().GetResult();
        ledger.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(directory, recursive: true);
    }
}

/// <summary>Records shaped like the door's: a clinician's permitted read of one patient's Observation.</summary>
internal static class AuditBenchmarkRecords
{
    public static AuditRecord[] Create(int count)
    {
        var now = DateTimeOffset.UtcNow;
        return [.. Enumerable.Range(0, count).Select(i => new AuditRecord(
            Guid.CreateVersion7(),
            now,
            AccessAction.Read,
            AuditOutcome.Permit,
            $"account-{i % 50}",
            CareLedgerRole.Clinician,
            $"Practitioner/bench-{i % 50}",
            "Bench General",
            "TREAT",
            BitConverter.GetBytes((long)(i % 1000)).Concat(new byte[8]).ToArray(),
            "Observation",
            $"obs-{i}",
            Disclosed: 1,
            Withheld: 0,
            BreakGlass: false,
            ["consent permits TREAT for the care team"],
            Detail: null,
            RequestId: $"req-{i}"))];
    }
}
