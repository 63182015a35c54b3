using System.Buffers.Binary;
using System.Text;
using BenchmarkDotNet.Attributes;
using CareLedger.Vault;
using CareLedger.Vault.Keys;
using CareLedger.Vault.Search;

namespace CareLedger.Benchmarks.Vault;

/// <summary>
/// The vault's hot paths on a real SQLite file (WAL, synchronous=FULL, so each write transaction is an fsync):
/// one 1 KiB resource staged and committed (two transactions), a batch of 100 (the import path), and a read by id
/// (decrypt + integrity check, data key cached).
/// </summary>
[MemoryDiagnoser]
public class VaultBenchmarks
{
    private const int BatchSize = 100;
    private string _directory = "";
    private FileKeyring? _keyring;
    private CareLedger.Vault.Vault? _vault;
    private byte[] _resource = [];
    private IndexEntry[] _index = [];
    private int _version;
    private int _nextId;
    private int _nextTx;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "careledger-vault-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _keyring = FileKeyring.OpenOrCreate(Path.Combine(_directory, "keyring.json"));
        _vault = CareLedger.Vault.Vault.Open(new VaultOptions(Path.Combine(_directory, "vault.db"), _keyring));
        var json = new StringBuilder("""{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"note":[{"text":" """);
        while (json.Length < 1020)
        {
            json.Append("lorem ipsum ");
        }

        _resource = Encoding.UTF8.GetBytes(json.ToString()[..1020] + "\"}]}");
        _index =
        [
            IndexEntry.ForToken("code", "http://loinc.org|8867-4"),
            IndexEntry.ForToken("status", "final"),
            IndexEntry.ForReference("subject", "Patient/bench-patient"),
            IndexEntry.ForNumber("value-quantity", 72m),
            IndexEntry.ForDate("date", 1_767_225_600_000, 1_767_225_600_999),
        ];
        var tx = NextTx();
        _vault.Commit(_vault.Stage([new StageRequest(new RecordAddress("Observation", "read-target", 1), "bench-patient", _resource, _index)], tx), tx);
    }

    [Benchmark]
    public void StageAndCommit()
    {
        var tx = NextTx();
        var request = new StageRequest(new RecordAddress("Observation", "updated", ++_version), "bench-patient", _resource, _index);
        _vault!.Commit(_vault.Stage([request], tx), tx);
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public void StageAndCommitBatchOf100()
    {
        var tx = NextTx();
        var requests = new StageRequest[BatchSize];
        for (var i = 0; i < BatchSize; i++)
        {
            requests[i] = new StageRequest(new RecordAddress("Observation", $"b{++_nextId}", 1), $"patient-{_nextId % 50}", _resource, _index);
        }

        _vault!.Commit(_vault.Stage(requests, tx), tx);
    }

    [Benchmark]
    public byte[]? ReadById() => _vault!.Read("Observation", "read-target");

    [GlobalCleanup]
    public void Cleanup()
    {
        _vault?.Dispose();
        _keyring?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private byte[] NextTx()
    {
        var tx = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(tx.AsSpan(12), ++_nextTx);
        return tx;
    }
}
