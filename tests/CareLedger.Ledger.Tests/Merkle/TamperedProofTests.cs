using CareLedger.Ledger.Merkle;

namespace CareLedger.Ledger.Tests.Merkle;

public class TamperedProofTests
{
    private const int MaxSize = 20;
    private static readonly byte[][] Entries = TestEntries.Make(MaxSize);

    [Fact]
    public void Any_flipped_bit_in_an_inclusion_path_fails_verification()
    {
        using var tree = TestEntries.TreeOf(Entries);
        for (var n = 2; n <= MaxSize; n++)
        {
            var root = tree.RootHash(n);
            for (var m = 0; m < n; m++)
            {
                var proof = tree.GetInclusionProof(m, n);
                for (var element = 0; element < proof.Path.Count; element++)
                {
                    for (var bit = 0; bit < 256; bit += 37)
                    {
                        var path = proof.Path.Select(h => (byte[])h.Clone()).ToArray();
                        path[element][bit / 8] ^= (byte)(1 << (bit % 8));
                        Assert.False((proof with { Path = path }).Verify(tree.LeafHash(m), root));
                    }
                }
            }
        }
    }

    [Fact]
    public void Inclusion_proofs_with_a_wrong_index_size_length_leaf_or_root_fail()
    {
        using var tree = TestEntries.TreeOf(Entries);
        for (var n = 1; n <= MaxSize; n++)
        {
            var root = tree.RootHash(n);
            for (var m = 0; m < n; m++)
            {
                var proof = tree.GetInclusionProof(m, n);
                var leaf = tree.LeafHash(m);
                Assert.True(proof.Verify(leaf, root));
                Assert.False(proof.Verify(tree.LeafHash((m + 1) % MaxSize), root));
                Assert.False(proof.Verify(leaf, tree.RootHash(n - 1)));
                Assert.False((proof with { LeafIndex = n }).Verify(leaf, root));
                Assert.False((proof with { LeafIndex = -1 }).Verify(leaf, root));
                Assert.False((proof with { Path = [.. proof.Path, root] }).Verify(leaf, root));
                if (proof.Path.Count > 0)
                {
                    Assert.False((proof with { Path = proof.Path.Take(proof.Path.Count - 1).ToArray() }).Verify(leaf, root));
                    Assert.False((proof with { Path = [.. proof.Path.Take(proof.Path.Count - 1), new byte[31]] }).Verify(leaf, root));
                }

                if (n > 1)
                    Assert.False((proof with { LeafIndex = (m + 1) % n }).Verify(leaf, root));
                if (n < MaxSize)
                    Assert.False((proof with { TreeSize = n + 1 }).Verify(leaf, tree.RootHash(n + 1)));
                Assert.False((proof with { TreeSize = 0 }).Verify(leaf, root));
                Assert.False(proof.Verify(leaf.AsSpan(1), root));
            }
        }
    }

    [Fact]
    public void Consistency_proofs_with_a_changed_element_size_or_root_fail()
    {
        using var tree = TestEntries.TreeOf(Entries);
        for (var n = 1; n <= MaxSize; n++)
        {
            var newRoot = tree.RootHash(n);
            for (var m = 1; m <= n; m++)
            {
                var oldRoot = tree.RootHash(m);
                var proof = tree.GetConsistencyProof(m, n);
                Assert.True(proof.Verify(oldRoot, newRoot));
                for (var element = 0; element < proof.Path.Count; element++)
                {
                    var path = proof.Path.Select(h => (byte[])h.Clone()).ToArray();
                    path[element][element % 32] ^= 0x80;
                    Assert.False((proof with { Path = path }).Verify(oldRoot, newRoot));
                }

                Assert.False((proof with { Path = [.. proof.Path, newRoot] }).Verify(oldRoot, newRoot));
                if (proof.Path.Count > 0)
                    Assert.False((proof with { Path = proof.Path.Skip(1).ToArray() }).Verify(oldRoot, newRoot));
                Assert.False(proof.Verify(tree.RootHash(m - 1), newRoot));
                Assert.False(proof.Verify(oldRoot, tree.RootHash(n - 1)));
                Assert.False((proof with { OldSize = 0 }).Verify(oldRoot, newRoot));
                Assert.False((proof with { OldSize = n + 1 }).Verify(oldRoot, newRoot));
                if (n < MaxSize)
                    Assert.False((proof with { NewSize = n + 1 }).Verify(oldRoot, tree.RootHash(n + 1)));
                if (m < n)
                    Assert.False((proof with { Path = [] }).Verify(oldRoot, newRoot));
            }
        }
    }

    [Fact]
    public void Proof_requests_outside_the_tree_are_refused()
    {
        using var tree = TestEntries.TreeOf(Entries[..5]);
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.GetInclusionProof(5, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.GetInclusionProof(-1, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.GetInclusionProof(0, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.GetConsistencyProof(0, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.GetConsistencyProof(4, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.GetConsistencyProof(1, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.RootHash(6));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.LeafHash(5));
        Assert.Throws<ArgumentException>(() => tree.Append(new byte[31]));
        Assert.Equal(5, tree.Size);
    }
}
