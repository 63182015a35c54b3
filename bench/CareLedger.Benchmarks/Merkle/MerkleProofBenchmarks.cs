using BenchmarkDotNet.Attributes;
using CareLedger.Ledger.Merkle;

namespace CareLedger.Benchmarks.Merkle;

/// <summary>
/// Proofs from a tree of 10^6 leaves (not a power of two, so every proof has a ragged right edge).
/// Target: an inclusion proof of at most 640 bytes made in at most 20 µs.
/// </summary>
[MemoryDiagnoser]
public class MerkleProofBenchmarks
{
    private const long Leaves = 1_000_000;
    private MerkleTree tree = null!;
    private long nextIndex;

    [GlobalSetup]
    public void Setup()
    {
        var hashes = new byte[Leaves * Rfc9162.HashSize];
        new Random(42).NextBytes(hashes);
        tree = MerkleTree.CreateInMemory();
        tree.AppendRange(hashes);
        var proof = tree.GetInclusionProof(Leaves / 3, Leaves);
        var consistency = tree.GetConsistencyProof(Leaves / 2 + 1, Leaves);
        Console.WriteLine($"// Inclusion proof at {Leaves} leaves: {proof.Path.Count} hashes = {proof.Path.Count * Rfc9162.HashSize} bytes");
        Console.WriteLine($"// Consistency proof {Leaves / 2 + 1} -> {Leaves}: {consistency.Path.Count} hashes = {consistency.Path.Count * Rfc9162.HashSize} bytes");
    }

    [GlobalCleanup]
    public void Cleanup() => tree.Dispose();

    /// <summary>A proof against the latest checkpoint size: the right edge of that size is cached after the first call.</summary>
    [Benchmark]
    public InclusionProof InclusionProof()
    {
        nextIndex = (nextIndex + 7919) % Leaves;
        return tree.GetInclusionProof(nextIndex, Leaves);
    }

    /// <summary>Worst case: every call asks for another tree size, so the ragged right edge is hashed each time.</summary>
    [Benchmark]
    public InclusionProof InclusionProofAtChangingSize()
    {
        nextIndex = (nextIndex + 7919) % (Leaves - 64);
        return tree.GetInclusionProof(nextIndex, Leaves - (nextIndex & 63));
    }

    [Benchmark]
    public ConsistencyProof ConsistencyProof() => tree.GetConsistencyProof(Leaves / 2 + 1, Leaves);

    [Benchmark]
    public bool VerifyInclusionProof()
    {
        var proof = tree.GetInclusionProof(123_457, Leaves);
        return proof.Verify(tree.LeafHash(123_457), tree.RootHash());
    }
}
