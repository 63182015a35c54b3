using System.Globalization;
using System.Numerics;

namespace CareLedger.Ledger.Merkle;

/// <summary>
/// An append-only RFC 9162 Merkle tree over leaf hashes, stored as one flat file per level: level k holds the
/// hashes of the complete, aligned subtrees of 2^k leaves, in order (<c>level-00.hashes</c> holds the leaf
/// hashes). Roots and proofs for any size up to <see cref="Size"/> read complete subtrees from the levels and hash
/// only the ragged right edge of the tree.
/// </summary>
/// <remarks>
/// One writer (<see cref="Append"/>, <see cref="Flush"/>, <see cref="TruncateTo"/>); readers (roots, proofs,
/// leaf hashes) are safe concurrently with the appender for sizes up to the <see cref="Size"/> they observed.
/// <see cref="TruncateTo"/> is for recovery, before readers start.
/// A level file whose directory entry or tail was lost in a crash is rebuilt from the level below on open, so
/// only the leaf level must be durable: the writer fsyncs files, not the directory.
/// </remarks>
public sealed class MerkleTree : IDisposable
{
    private const int MaxLevels = 63;
    private const int HashSize = Rfc9162.HashSize;
    private const string LevelFilePrefix = "level-";
    private const string LevelFileSuffix = ".hashes";

    /// <summary>Upper-level entries re-derived on open: far more than one group commit appends between fsyncs.</summary>
    private const long RecheckedTail = 4096;

    private readonly string? directory;
    private readonly HashLevel[] levels = new HashLevel[MaxLevels];
    private readonly Lock writeLock = new();
    private long size;
    private long generation;
    private RightEdge? cachedEdge;
    private bool disposed;

    private MerkleTree(string? directory) => this.directory = directory;

    /// <summary>Number of leaves appended (visible to readers; durable only after <see cref="Flush"/>).</summary>
    public long Size => Volatile.Read(ref size);

    public static MerkleTree CreateInMemory()
    {
        var tree = new MerkleTree(null);
        for (var k = 0; k < MaxLevels; k++)
            tree.levels[k] = HashLevel.InMemory();
        return tree;
    }

    /// <summary>
    /// Opens (or creates) the tree in <paramref name="directory"/>. A torn hash at the end of a level file is cut
    /// off; upper levels are cut to what the leaf level supports and any missing upper hashes are recomputed
    /// from the level below.
    /// </summary>
    public static MerkleTree Open(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var tree = new MerkleTree(directory);
        try
        {
            tree.levels[0] = HashLevel.Load(tree.LevelPath(0), long.MaxValue / HashSize);
            var leaves = tree.levels[0].Count;
            var changedBelow = leaves;
            for (var k = 1; k < MaxLevels; k++)
            {
                var expected = leaves >> k;
                var path = tree.LevelPath(k);
                if (expected == 0 && File.Exists(path))
                    File.Delete(path);
                var level = HashLevel.Load(path, expected);
                tree.levels[k] = level;
                changedBelow = RepairLevel(level, tree.levels[k - 1], expected, changedBelow >> 1);
            }

            tree.size = leaves;
            tree.FlushLevels();
            return tree;
        }
        catch
        {
            tree.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Re-derives the tail of an upper level from the level below — the entries a crash may have left unwritten
    /// or zero-filled, and every entry above a changed entry below — then recomputes the missing ones.
    /// Returns the index of the first entry that changed (or the level's length when none did).
    /// </summary>
    private static long RepairLevel(HashLevel level, HashLevel below, long expected, long changedBelowParent)
    {
        Span<byte> parent = stackalloc byte[HashSize];
        var firstChanged = level.Count;
        var checkFrom = Math.Max(0, Math.Min(level.Count - RecheckedTail, changedBelowParent));
        for (var i = checkFrom; i < level.Count; i++)
        {
            Rfc9162.HashChildren(below[2 * i], below[2 * i + 1], parent);
            if (!parent.SequenceEqual(level[i]))
            {
                level.TruncateTo(i);
                firstChanged = i;
                break;
            }
        }

        for (var i = level.Count; i < expected; i++)
        {
            Rfc9162.HashChildren(below[2 * i], below[2 * i + 1], parent);
            level.Add(parent);
        }

        return firstChanged;
    }

    /// <summary>Appends one leaf hash (SHA-256(0x00 || entry), see <see cref="Rfc9162.HashLeaf(ReadOnlySpan{byte})"/>).</summary>
    public void Append(ReadOnlySpan<byte> leafHash)
    {
        if (leafHash.Length != HashSize)
            throw new ArgumentException($"A leaf hash is {HashSize} bytes, not {leafHash.Length}.", nameof(leafHash));
        lock (writeLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var leafIndex = size;
            AddLeaf(leafIndex, leafHash);
            Volatile.Write(ref size, leafIndex + 1);
        }
    }

    /// <summary>Appends consecutive 32-byte leaf hashes and publishes them together.</summary>
    public void AppendRange(ReadOnlySpan<byte> leafHashes)
    {
        if (leafHashes.Length % HashSize != 0)
            throw new ArgumentException($"Leaf hashes must be a whole number of {HashSize}-byte hashes; got {leafHashes.Length} bytes.", nameof(leafHashes));
        lock (writeLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var leafIndex = size;
            for (var offset = 0; offset < leafHashes.Length; offset += HashSize)
                AddLeaf(leafIndex++, leafHashes.Slice(offset, HashSize));
            Volatile.Write(ref size, leafIndex);
        }
    }

    /// <summary>Writes the hashes appended since the last flush to the level files and fsyncs them.</summary>
    public void Flush()
    {
        lock (writeLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            FlushLevels();
        }
    }

    /// <summary>Recovery only: drops the leaves at and beyond <paramref name="newSize"/> (in memory and on disk).</summary>
    public void TruncateTo(long newSize)
    {
        lock (writeLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (newSize < 0 || newSize > size)
                throw new ArgumentOutOfRangeException(nameof(newSize), newSize, $"The tree has {size} leaves; it can be cut only to 0..{size}.");
            if (newSize == size)
                return;
            Volatile.Write(ref size, newSize);
            Interlocked.Increment(ref generation);
            Volatile.Write(ref cachedEdge, null);
            for (var k = 0; k < MaxLevels; k++)
                levels[k].TruncateTo(newSize >> k);
        }
    }

    public byte[] LeafHash(long index)
    {
        var current = Size;
        if (index < 0 || index >= current)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Leaf index must be in 0..{current - 1}.");
        return levels[0][index].ToArray();
    }

    public byte[] RootHash() => RootHash(Size);

    /// <summary>MTH(D[0:treeSize]) for any 0 &lt;= treeSize &lt;= <see cref="Size"/>.</summary>
    public byte[] RootHash(long treeSize)
    {
        CheckTreeSize(treeSize, nameof(treeSize));
        if (treeSize == 0)
            return Rfc9162.EmptyRoot;
        var root = new byte[HashSize];
        RangeHash(0, treeSize, treeSize, root);
        return root;
    }

    /// <summary>PATH(leafIndex, D[0:treeSize]) of RFC 9162 §2.1.3.1.</summary>
    public InclusionProof GetInclusionProof(long leafIndex, long treeSize)
    {
        CheckTreeSize(treeSize, nameof(treeSize));
        if (leafIndex < 0 || leafIndex >= treeSize)
            throw new ArgumentOutOfRangeException(nameof(leafIndex), leafIndex, $"Leaf index must be in 0..{treeSize - 1} for a tree of {treeSize} leaves.");

        // Walk down from the root, noting each sibling range; the path lists them from the leaf up.
        Span<long> siblingStart = stackalloc long[MaxLevels];
        Span<long> siblingEnd = stackalloc long[MaxLevels];
        var count = 0;
        long lo = 0, hi = treeSize;
        while (hi - lo > 1)
        {
            var split = LargestPowerOfTwoBelow(hi - lo);
            if (leafIndex < lo + split)
            {
                siblingStart[count] = lo + split;
                siblingEnd[count++] = hi;
                hi = lo + split;
            }
            else
            {
                siblingStart[count] = lo;
                siblingEnd[count++] = lo + split;
                lo += split;
            }
        }

        return new InclusionProof(leafIndex, treeSize, PathOf(siblingStart[..count], siblingEnd[..count], treeSize));
    }

    /// <summary>PROOF(oldSize, D[0:newSize]) of RFC 9162 §2.1.4.1, for 0 &lt; oldSize &lt;= newSize &lt;= <see cref="Size"/>.</summary>
    public ConsistencyProof GetConsistencyProof(long oldSize, long newSize)
    {
        CheckTreeSize(newSize, nameof(newSize));
        if (oldSize <= 0 || oldSize > newSize)
            throw new ArgumentOutOfRangeException(nameof(oldSize), oldSize, $"The old size must be in 1..{newSize}.");

        // SUBPROOF(m, D[lo:hi], b), unrolled from the root down; the proof lists the ranges from the innermost out.
        Span<long> nodeStart = stackalloc long[MaxLevels + 1];
        Span<long> nodeEnd = stackalloc long[MaxLevels + 1];
        var count = 0;
        long lo = 0, hi = newSize, m = oldSize;
        var startsFromOldRoot = true;
        while (true)
        {
            var rangeSize = hi - lo;
            if (m == rangeSize)
            {
                if (!startsFromOldRoot)
                {
                    nodeStart[count] = lo;
                    nodeEnd[count++] = hi;
                }

                break;
            }

            var split = LargestPowerOfTwoBelow(rangeSize);
            if (m <= split)
            {
                nodeStart[count] = lo + split;
                nodeEnd[count++] = hi;
                hi = lo + split;
            }
            else
            {
                nodeStart[count] = lo;
                nodeEnd[count++] = lo + split;
                m -= split;
                lo += split;
                startsFromOldRoot = false;
            }
        }

        return new ConsistencyProof(oldSize, newSize, PathOf(nodeStart[..count], nodeEnd[..count], newSize));
    }

    public void Dispose()
    {
        lock (writeLock)
        {
            if (disposed)
                return;
            disposed = true;
            try
            {
                // A tree whose Open failed half-way has unloaded levels and nothing new to write.
                if (directory is not null && Array.TrueForAll(levels, level => level is not null))
                    FlushLevels();
            }
            finally
            {
                foreach (var level in levels)
                    level?.Dispose();
            }
        }
    }

    private void AddLeaf(long leafIndex, ReadOnlySpan<byte> leafHash)
    {
        levels[0].Add(leafHash);

        // Every trailing 1 bit of the index is a right child whose subtree is now complete.
        Span<byte> parent = stackalloc byte[HashSize];
        var index = leafIndex;
        for (var k = 0; (index & 1) == 1; k++)
        {
            var level = levels[k];
            Rfc9162.HashChildren(level[index - 1], level[index], parent);
            levels[k + 1].Add(parent);
            index >>= 1;
        }
    }

    private void FlushLevels()
    {
        foreach (var level in levels)
            level.Flush();
    }

    private byte[][] PathOf(ReadOnlySpan<long> starts, ReadOnlySpan<long> ends, long treeSize)
    {
        var path = new byte[starts.Length][];
        for (var i = 0; i < starts.Length; i++)
        {
            var hash = new byte[HashSize];
            RangeHash(starts[i], ends[i], treeSize, hash);
            path[starts.Length - 1 - i] = hash;
        }

        return path;
    }

    /// <summary>
    /// MTH(D[start:end]) for a range that the RFC's recursion produces: either a complete aligned subtree (one
    /// level read) or a ragged range ending at <paramref name="treeSize"/>, whose hash is the right edge of that tree.
    /// </summary>
    private void RangeHash(long start, long end, long treeSize, Span<byte> destination)
    {
        var count = end - start;
        if (BitOperations.IsPow2(count))
        {
            var k = BitOperations.Log2((ulong)count);
            levels[k][start >> k].CopyTo(destination);
            return;
        }

        if (end != treeSize)
            throw new InvalidOperationException($"Range {start}..{end} is neither a complete subtree nor the right edge of a tree of {treeSize} leaves.");
        RightEdgeOf(treeSize).Fold(BitOperations.Log2((ulong)count)).CopyTo(destination);
    }

    private RightEdge RightEdgeOf(long treeSize)
    {
        var currentGeneration = Volatile.Read(ref generation);
        var cached = Volatile.Read(ref cachedEdge);
        if (cached is not null && cached.TreeSize == treeSize && cached.Generation == currentGeneration)
            return cached;
        var edge = RightEdge.Compute(levels, treeSize, currentGeneration);
        Volatile.Write(ref cachedEdge, edge);
        return edge;
    }

    private void CheckTreeSize(long treeSize, string parameterName)
    {
        var current = Size;
        if (treeSize < 0 || treeSize > current)
            throw new ArgumentOutOfRangeException(parameterName, treeSize, $"Tree size must be in 0..{current} (the tree has {current} leaves).");
    }

    private static long LargestPowerOfTwoBelow(long n) => 1L << BitOperations.Log2((ulong)(n - 1));

    private string LevelPath(int level) =>
        Path.Combine(directory!, LevelFilePrefix + level.ToString("D2", CultureInfo.InvariantCulture) + LevelFileSuffix);

    /// <summary>
    /// For a tree size n with set bits b1 &gt; b2 &gt; ... &gt; bm, the hashes F(bi) of the ragged ranges
    /// [n with bits bi and below cleared, n): F(bm) is the last complete subtree and F(bi) = HASH(0x01 || S(bi) || F(bi+1)).
    /// Kept for the last size asked, so proofs against the current checkpoint hash nothing.
    /// </summary>
    private sealed class RightEdge
    {
        private readonly byte[][] folds = new byte[MaxLevels][];

        private RightEdge(long treeSize, long generation)
        {
            TreeSize = treeSize;
            Generation = generation;
        }

        public long TreeSize { get; }

        public long Generation { get; }

        public ReadOnlySpan<byte> Fold(int highestBit) => folds[highestBit];

        public static RightEdge Compute(HashLevel[] levels, long treeSize, long generation)
        {
            var edge = new RightEdge(treeSize, generation);
            byte[]? accumulated = null;
            for (var bit = 0; bit < MaxLevels; bit++)
            {
                if ((treeSize & (1L << bit)) == 0)
                    continue;
                var subtree = levels[bit][(treeSize >> bit) - 1];
                var fold = new byte[HashSize];
                if (accumulated is null)
                    subtree.CopyTo(fold);
                else
                    Rfc9162.HashChildren(subtree, accumulated, fold);
                edge.folds[bit] = fold;
                accumulated = fold;
            }

            return edge;
        }
    }
}
