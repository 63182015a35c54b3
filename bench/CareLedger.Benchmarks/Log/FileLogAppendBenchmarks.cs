using BenchmarkDotNet.Attributes;
using CareLedger.Ledger.Log;

namespace CareLedger.Benchmarks.Log;

/// <summary>Durable appends of 1 KiB records with group commit: one fsync per 256 records. Figures are per record.</summary>
[MemoryDiagnoser]
public class FileLogAppendBenchmarks
{
    private const int GroupCommit = 256;
    private readonly byte[] _payload = new byte[1024];
    private string _directory = "";
    private FileLog? _log;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "careledger-bench-log-append", Guid.NewGuid().ToString("N"));
        Random.Shared.NextBytes(_payload);
        _log = FileLog.Open(new FileLogOptions(_directory), out _);
    }

    [Benchmark(OperationsPerInvoke = GroupCommit)]
    public long Append_1KiB_flush_every_256()
    {
        var log = _log!;
        for (var i = 0; i < GroupCommit; i++)
        {
            log.Append(_payload);
        }

        log.Flush();
        return log.FlushedCount;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
