using BenchmarkDotNet.Attributes;
using CareLedger.Access.Audit;
using CareLedger.Ledger.Engine;

namespace CareLedger.Benchmarks.Access;

/// <summary>
/// End-to-end audit throughput: <see cref="Records"/> records recorded and waited for until they are durable in
/// audit.db and anchored on the ledger (one batch of 4096 = one SQLite transaction, one signed Anchor transaction,
/// the ledger's fsync, the mark). Reported per record.
/// Run: dotnet run -c Release --project bench/CareLedger.Benchmarks -- --filter '*AuditAnchoring*' --job short
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1)] // each invocation records fresh records (a repeated id would be kept once, not written again)
public class AuditAnchoringBenchmarks
{
    private const int Records = 4096;

    private readonly string directory = Path.Combine(Path.GetTempPath(), $"careledger-audit-bench-{Guid.NewGuid():N}");
    private LedgerEngine ledger = null!;
    private AuditTrail trail = null!;
    private AuditRecord[] records = [];

    [GlobalSetup]
    public void Setup()
    {
        ledger = LedgerEngine.InitializeAsync(new LedgerOptions(Path.Combine(directory, "data")), "bench.example/careledger", "Benchmark Hospital", CancellationToken.None)
            .GetAwaiter().GetResult();
        trail = AuditTrail.Open(Path.Combine(directory, "data", "audit.db"), ledger);
    }

    [IterationSetup]
    public void PrepareRecords() => records = AuditBenchmarkRecords.Create(Records);

    [Benchmark(OperationsPerInvoke = Records)]
    public async Task RecordAndAnchor()
    {
        foreach (var record in records)
        {
            trail.Record(record);
        }

        await trail.FlushAsync();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        trail.DisposeAsync().AsTask().GetAwaiter().GetResult();
        ledger.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(directory, recursive: true);
    }
}
