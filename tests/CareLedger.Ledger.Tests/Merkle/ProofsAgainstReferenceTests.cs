using CareLedger.Ledger.Merkle;

namespace CareLedger.Ledger.Tests.Merkle;

/// <summary>Every tree size 1..64: roots, every inclusion proof and every consistency proof equal the RFC's recursive definitions and verify.</summary>
public class ProofsAgainstReferenceTests
{
    private const int MaxSize = 64;
    private static readonly byte[][] Entries = TestEntries.Make(MaxSize);

    [Fact]
    public void Roots_equal_the_reference_mth_for_every_size()
    {
        using var tree = TestEntries.TreeOf(Entries);
        for (var n = 0; n <= MaxSize; n++)
            Assert.Equal(ReferenceMerkle.Mth(Entries[..n]), tree.RootHash(n));
        Assert.Equal(tree.RootHash(MaxSize), tree.RootHash());
    }

    [Fact]
    public void Roots_are_right_while_the_tree_grows()
    {
        using var tree = MerkleTree.CreateInMemory();
        Assert.Equal(Rfc9162.EmptyRoot, tree.RootHash());
        for (var n = 1; n <= MaxSize; n++)
        {
            tree.Append(Rfc9162.HashLeaf(Entries[n - 1]));
            Assert.Equal(ReferenceMerkle.Mth(Entries[..n]), tree.RootHash());
        }
    }

    [Fact]
    public void Inclusion_proofs_equal_the_reference_path_and_verify_for_every_leaf_and_size()
    {
        using var tree = TestEntries.TreeOf(Entries);
        for (var n = 1; n <= MaxSize; n++)
        {
            var root = ReferenceMerkle.Mth(Entries[..n]);
            for (var m = 0; m < n; m++)
            {
                var proof = tree.GetInclusionProof(m, n);
                Assert.Equal(ReferenceMerkle.Path(m, Entries[..n]), proof.Path);
                Assert.True(proof.Verify(Rfc9162.HashLeaf(Entries[m]), root), $"leaf {m} of {n}");
            }
        }
    }

    [Fact]
    public void Consistency_proofs_equal_the_reference_proof_and_verify_for_every_pair_of_sizes()
    {
        using var tree = TestEntries.TreeOf(Entries);
        for (var n = 1; n <= MaxSize; n++)
        {
            var newRoot = ReferenceMerkle.Mth(Entries[..n]);
            for (var m = 1; m <= n; m++)
            {
                var proof = tree.GetConsistencyProof(m, n);
                Assert.Equal(ReferenceMerkle.Proof(m, Entries[..n]), proof.Path);
                Assert.True(proof.Verify(ReferenceMerkle.Mth(Entries[..m]), newRoot), $"{m} -> {n}");
            }
        }
    }

    [Fact]
    public void Leaf_hashes_are_returned_by_index()
    {
        using var tree = TestEntries.TreeOf(Entries);
        for (var i = 0; i < MaxSize; i++)
            Assert.Equal(Rfc9162.HashLeaf(Entries[i]), tree.LeafHash(i));
    }
}
