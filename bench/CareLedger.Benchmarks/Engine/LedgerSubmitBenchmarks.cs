using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Benchmarks.Engine;

/// <summary>
/// Durable submissions to an embedded node: 1 KiB Anchor transactions, signed beforehand, submitted by 64
/// concurrent callers; each operation is one transaction acknowledged after fsync (group commit).
/// Target: at least 10,000 transactions per second on two cores, i.e. at most 100 µs per operation.
/// For latency percentiles use <see cref="LedgerLoad"/> (<c>careledger bench ledger</c>).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class LedgerSubmitBenchmarks
{
    private const int Transactions = 10_000;
    private const int Concurrency = 64;

    private readonly string directory = Path.Combine(Path.GetTempPath(), $"careledger-bench-{Guid.NewGuid():N}");
    private LedgerEngine engine = null!;
    private SignedTransaction[] batch = [];

    [GlobalSetup]
    public void Setup() =>
        engine = LedgerEngine.InitializeAsync(new LedgerOptions(directory), "bench.example/careledger", "Benchmark Hospital", CancellationToken.None)
            .GetAwaiter().GetResult();

    [IterationSetup]
    public void SignBatch()
    {
        var context = new byte[900];
        batch = new SignedTransaction[Transactions];
        Parallel.For(0, Transactions, i => batch[i] = SignedTransaction.Sign(
            Transaction.Create(new AnchorPayload("audit-event", new byte[32], context), engine.Keys.Node.Id, TimeProvider.System), engine.Keys.Node));
    }

    [Benchmark(OperationsPerInvoke = Transactions)]
    public async Task SubmitDurably()
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            await Task.Yield();
            int i;
            while ((i = Interlocked.Increment(ref next)) < Transactions)
            {
                await engine.SubmitAsync(batch[i]);
            }
        }));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(directory, recursive: true);
    }
}
