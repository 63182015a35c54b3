using BenchmarkDotNet.Attributes;
using CareLedger.Ledger.Log;

namespace CareLedger.Benchmarks.Log;

/// <summary>
/// Restart cost of a log of 100,000 records of 1 KiB (about 102 MB in two segments, from the page cache): the verifying
/// open scan, and a full sequential replay through ReadFrom.
/// </summary>
[MemoryDiagnoser]
public class FileLogOpenBenchmarks
{
    private const int Records = 100_000;
    private FileLogOptions _options = new("");

    [GlobalSetup]
    public void Setup()
    {
        _options = new FileLogOptions(Path.Combine(Path.GetTempPath(), "careledger-bench-log-open", Guid.NewGuid().ToString("N")));
        var payload = new byte[1024];
        Random.Shared.NextBytes(payload);
        using var log = FileLog.Open(_options, out _);
        for (var i = 0; i < Records; i++)
        {
            log.Append(payload);
        }

        log.Flush();
    }

    [Benchmark]
    public long Open_and_scan_100k_1KiB_records()
    {
        using var log = FileLog.Open(_options, out var report);
        return report.Records;
    }

    [Benchmark]
    public long Open_and_replay_100k_1KiB_records()
    {
        using var log = FileLog.Open(_options, out _);
        var bytes = 0L;
        foreach (var entry in log.ReadFrom(0))
        {
            bytes += entry.Payload.Length;
        }

        return bytes;
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_options.Directory, recursive: true);
}
