using CareLedger.Ledger.Merkle;

namespace CareLedger.Ledger.Tests.Merkle;

public sealed class PersistedTreeTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "careledger-merkle-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void A_reopened_tree_equals_the_in_memory_tree()
    {
        var entries = TestEntries.Make(77);
        using var memory = TestEntries.TreeOf(entries);
        using (var persisted = MerkleTree.Open(directory))
        {
            foreach (var entry in entries)
                persisted.Append(Rfc9162.HashLeaf(entry));
            persisted.Flush();
        }

        using var reopened = MerkleTree.Open(directory);
        Assert.Equal(77, reopened.Size);
        AssertSameTree(memory, reopened);
    }

    [Fact]
    public void Level_files_hold_the_complete_subtrees_of_each_level()
    {
        using (var tree = MerkleTree.Open(directory))
        {
            tree.AppendRange(TestEntries.Make(13).SelectMany(e => Rfc9162.HashLeaf(e)).ToArray());
            tree.Flush();
        }

        Assert.Equal(13 * 32, new FileInfo(LevelFile(0)).Length);
        Assert.Equal(6 * 32, new FileInfo(LevelFile(1)).Length);
        Assert.Equal(3 * 32, new FileInfo(LevelFile(2)).Length);
        Assert.Equal(1 * 32, new FileInfo(LevelFile(3)).Length);
        Assert.False(File.Exists(LevelFile(4)));
    }

    [Fact]
    public void A_torn_hash_at_the_end_of_the_leaf_level_is_cut_off()
    {
        var entries = TestEntries.Make(10);
        WriteTree(entries);
        using (var file = File.OpenWrite(LevelFile(0)))
        {
            file.Seek(0, SeekOrigin.End);
            file.Write(new byte[17]);
        }

        using var reopened = MerkleTree.Open(directory);
        Assert.Equal(10, reopened.Size);
        Assert.Equal(10 * 32, new FileInfo(LevelFile(0)).Length);
        using var expected = TestEntries.TreeOf(entries);
        AssertSameTree(expected, reopened);
    }

    [Fact]
    public void Upper_levels_longer_than_the_leaves_support_are_cut_and_missing_ones_rebuilt()
    {
        var entries = TestEntries.Make(12);
        WriteTree(entries);

        // A crash after the upper levels were written but before the last leaves were: cut the leaf level to 9
        // (and tear its tail), drop level 2 entirely and tear level 3.
        using (var file = new FileStream(LevelFile(0), FileMode.Open))
            file.SetLength(9 * 32 + 5);
        File.Delete(LevelFile(2));
        using (var file = new FileStream(LevelFile(3), FileMode.Open))
            file.SetLength(20);

        using var reopened = MerkleTree.Open(directory);
        Assert.Equal(9, reopened.Size);
        Assert.Equal(4 * 32, new FileInfo(LevelFile(1)).Length);
        Assert.Equal(2 * 32, new FileInfo(LevelFile(2)).Length);
        Assert.Equal(1 * 32, new FileInfo(LevelFile(3)).Length);
        using var expected = TestEntries.TreeOf(entries[..9]);
        AssertSameTree(expected, reopened);

        foreach (var entry in entries[9..])
            reopened.Append(Rfc9162.HashLeaf(entry));
        using var full = TestEntries.TreeOf(entries);
        AssertSameTree(full, reopened);
    }

    [Fact]
    public void Zero_filled_or_wrong_upper_level_hashes_near_the_end_are_rederived_on_open()
    {
        var entries = TestEntries.Make(100);
        WriteTree(entries);

        // A crash can leave a file's new length with zeroed blocks; a wrong hash in level 1 must also be fixed
        // in every level above it.
        using (var file = new FileStream(LevelFile(1), FileMode.Open))
        {
            file.Position = 40 * 32;
            file.Write(new byte[32]);
        }

        using (var file = new FileStream(LevelFile(3), FileMode.Open))
        {
            file.Position = 11 * 32;
            file.Write(new byte[32]);
        }

        using var reopened = MerkleTree.Open(directory);
        using var expected = TestEntries.TreeOf(entries);
        AssertSameTree(expected, reopened);
        reopened.Dispose();
        using var again = MerkleTree.Open(directory);
        Assert.Equal(expected.RootHash(), again.RootHash());
        var repaired = File.ReadAllBytes(LevelFile(1)).AsSpan(40 * 32, 32).ToArray();
        Assert.Equal(Rfc9162.HashChildren(expected.LeafHash(80), expected.LeafHash(81)), repaired);
    }

    [Fact]
    public void Truncating_drops_leaves_in_memory_and_on_disk()
    {
        var entries = TestEntries.Make(40);
        using (var tree = MerkleTree.Open(directory))
        {
            foreach (var entry in entries)
                tree.Append(Rfc9162.HashLeaf(entry));
            var rootBefore = tree.RootHash(23);
            tree.Flush();
            tree.TruncateTo(23);
            Assert.Equal(23, tree.Size);
            Assert.Equal(rootBefore, tree.RootHash());

            // Different leaves after the cut must give the new tree's roots, not cached old ones.
            var replacement = TestEntries.Make(60)[40..];
            foreach (var entry in replacement)
                tree.Append(Rfc9162.HashLeaf(entry));
            using var expected = TestEntries.TreeOf([.. entries[..23], .. replacement]);
            AssertSameTree(expected, tree);
            tree.Flush();
            Assert.Throws<ArgumentOutOfRangeException>(() => tree.TruncateTo(44));
        }

        using var reopened = MerkleTree.Open(directory);
        using var again = TestEntries.TreeOf([.. entries[..23], .. TestEntries.Make(60)[40..]]);
        AssertSameTree(again, reopened);
    }

    [Fact]
    public void Appends_not_flushed_are_written_on_dispose()
    {
        using (var tree = MerkleTree.Open(directory))
            tree.Append(Rfc9162.HashLeaf([1]));
        using var reopened = MerkleTree.Open(directory);
        Assert.Equal(1, reopened.Size);
    }

    [Fact]
    public void Trees_larger_than_one_memory_chunk_reopen_intact()
    {
        const int leaves = (1 << 15) + 1000;
        var hashes = new byte[leaves * 32];
        new Random(11).NextBytes(hashes);
        using var memory = MerkleTree.CreateInMemory();
        memory.AppendRange(hashes);
        using (var persisted = MerkleTree.Open(directory))
        {
            persisted.AppendRange(hashes.AsSpan(0, 20_000 * 32));
            persisted.Flush();
            persisted.AppendRange(hashes.AsSpan(20_000 * 32));
            persisted.Flush();
        }

        using var reopened = MerkleTree.Open(directory);
        Assert.Equal(leaves, reopened.Size);
        Assert.Equal(memory.RootHash(), reopened.RootHash());
        Assert.Equal(memory.GetInclusionProof(33_000, leaves).Path, reopened.GetInclusionProof(33_000, leaves).Path);
        Assert.Equal(memory.GetConsistencyProof(20_000, leaves).Path, reopened.GetConsistencyProof(20_000, leaves).Path);
    }

    private void WriteTree(byte[][] entries)
    {
        using var tree = MerkleTree.Open(directory);
        foreach (var entry in entries)
            tree.Append(Rfc9162.HashLeaf(entry));
        tree.Flush();
    }

    private string LevelFile(int level) => Path.Combine(directory, $"level-{level:D2}.hashes");

    private static void AssertSameTree(MerkleTree expected, MerkleTree actual)
    {
        Assert.Equal(expected.Size, actual.Size);
        var n = expected.Size;
        for (var size = 0; size <= n; size++)
            Assert.Equal(expected.RootHash(size), actual.RootHash(size));
        for (var m = 0; m < n; m++)
        {
            Assert.Equal(expected.LeafHash(m), actual.LeafHash(m));
            Assert.Equal(expected.GetInclusionProof(m, n).Path, actual.GetInclusionProof(m, n).Path);
        }

        for (var m = 1; m <= n; m++)
            Assert.Equal(expected.GetConsistencyProof(m, n).Path, actual.GetConsistencyProof(m, n).Path);
    }
}
