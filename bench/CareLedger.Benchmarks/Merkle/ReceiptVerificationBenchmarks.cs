using BenchmarkDotNet.Attributes;
using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.Receipts;
using ReceiptsApi = CareLedger.Ledger.Receipts.Receipts;

namespace CareLedger.Benchmarks.Merkle;

/// <summary>
/// Offline verification of a receipt from a 10^6-leaf log whose checkpoint carries the log's signature and three
/// cosignatures, all required. Target: at most 1 ms.
/// </summary>
[MemoryDiagnoser]
public class ReceiptVerificationBenchmarks
{
    private const long Leaves = 1_000_000;
    private Receipt receipt = null!;
    private string json = null!;
    private VerifierKey[] trusted = null!;

    [GlobalSetup]
    public void Setup()
    {
        var transaction = new byte[1024];
        new Random(7).NextBytes(transaction);
        var hashes = new byte[Leaves * Rfc9162.HashSize];
        new Random(42).NextBytes(hashes);
        const long leafIndex = 654_321;
        Rfc9162.HashLeaf(transaction, hashes.AsSpan((int)leafIndex * Rfc9162.HashSize, Rfc9162.HashSize));
        using var tree = MerkleTree.CreateInMemory();
        tree.AppendRange(hashes);

        using var log = NoteSigningKey.Generate("bench.careledger.example/log");
        var cosigners = Enumerable.Range(0, 3).Select(i => CosignerKey.Generate($"member{i}.example/cosigner")).ToArray();
        var text = new Checkpoint("bench.careledger.example/log", Leaves, tree.RootHash()).ToNoteText();
        var note = new SignedNote(text).WithSignature(log.Sign(text));
        foreach (var cosigner in cosigners)
            note = note.WithSignature(cosigner.Cosign(text, DateTimeOffset.UtcNow));
        trusted = [log.VerifierKey, .. cosigners.Select(c => c.VerifierKey)];
        foreach (var cosigner in cosigners)
            cosigner.Dispose();

        receipt = ReceiptsApi.Create(transaction, leafIndex, tree.GetInclusionProof(leafIndex, Leaves), note);
        json = ReceiptsApi.ToJson(receipt);
        Console.WriteLine($"// Receipt JSON: {json.Length} bytes, inclusion path {receipt.InclusionPath.Count} hashes");
        if (!ReceiptsApi.Verify(receipt, trusted, 4).Valid)
            throw new InvalidOperationException("The benchmark receipt does not verify.");
    }

    [Benchmark]
    public bool Verify() => ReceiptsApi.Verify(receipt, trusted, requiredSignatures: 4).Valid;

    [Benchmark]
    public bool ParseAndVerify() => ReceiptsApi.Verify(ReceiptsApi.Parse(json), trusted, requiredSignatures: 4).Valid;
}
