using System.Numerics;

namespace CareLedger.Ledger.Merkle;

/// <summary>
/// One level of the tree: the hashes of the complete, aligned subtrees of 2^k leaves, in order. Kept whole in
/// memory, in chunks of 1 MiB (so that growth copies at most one small chunk, never the level), and mirrored to a
/// flat file of 32-byte hashes.
/// </summary>
/// <remarks>
/// One writer, many readers. The writer fills a slot before the tree publishes a size that covers it, and
/// replaces the chunk table only by a volatile write, so a reader that read the size first sees every slot the size covers.
/// </remarks>
internal sealed class HashLevel : IDisposable
{
    private const int ChunkShift = 15;
    private const int HashesPerChunk = 1 << ChunkShift;
    private const long ChunkMask = HashesPerChunk - 1;
    private const int HashSize = Rfc9162.HashSize;

    private readonly string? path;
    private byte[][] chunks = [];
    private FileStream? file;
    private long persisted;
    private bool unsynced;

    private HashLevel(string? path) => this.path = path;

    /// <summary>Hashes held in memory (only the writer may rely on this; readers are bounded by the tree's size).</summary>
    public long Count { get; private set; }

    public static HashLevel InMemory() => new(null);

    /// <summary>Opens or creates the file and loads its whole hashes; a torn last hash and anything beyond <paramref name="maxCount"/> are cut off.</summary>
    public static HashLevel Load(string path, long maxCount)
    {
        var level = new HashLevel(path);
        if (!File.Exists(path))
            return level;

        level.file = OpenFile(path);
        var complete = Math.Min(level.file.Length / HashSize, maxCount);
        if (level.file.Length != complete * HashSize)
        {
            level.file.SetLength(complete * HashSize);
            level.file.Flush(flushToDisk: true);
        }

        level.EnsureCapacity(complete);
        level.file.Position = 0;
        for (long loaded = 0; loaded < complete;)
        {
            var inChunk = (int)Math.Min(HashesPerChunk, complete - loaded);
            level.file.ReadExactly(level.chunks[loaded >> ChunkShift], 0, inChunk * HashSize);
            loaded += inChunk;
        }

        level.Count = complete;
        level.persisted = complete;
        return level;
    }

    public ReadOnlySpan<byte> this[long index]
    {
        get
        {
            var table = Volatile.Read(ref chunks);
            return table[index >> ChunkShift].AsSpan((int)(index & ChunkMask) * HashSize, HashSize);
        }
    }

    public void Add(ReadOnlySpan<byte> hash)
    {
        var index = Count;
        EnsureCapacity(index + 1);
        hash.CopyTo(chunks[index >> ChunkShift].AsSpan((int)(index & ChunkMask) * HashSize, HashSize));
        Count = index + 1;
    }

    /// <summary>Drops hashes at and beyond <paramref name="count"/> from memory and from the file.</summary>
    public void TruncateTo(long count)
    {
        if (count >= Count)
            return;
        Count = count;
        if (persisted > count)
        {
            persisted = count;
            if (file is not null)
            {
                file.SetLength(count * HashSize);
                file.Flush(flushToDisk: true);
            }
        }
    }

    /// <summary>Writes the hashes not yet in the file and fsyncs it; a level without new hashes costs nothing.</summary>
    public void Flush()
    {
        if (path is null)
            return;
        if (persisted < Count)
        {
            file ??= OpenFile(path);
            file.Position = persisted * HashSize;
            var table = Volatile.Read(ref chunks);
            for (var index = persisted; index < Count;)
            {
                var offset = (int)(index & ChunkMask);
                var inChunk = (int)Math.Min(HashesPerChunk - offset, Count - index);
                file.Write(table[index >> ChunkShift], offset * HashSize, inChunk * HashSize);
                index += inChunk;
            }

            persisted = Count;
            unsynced = true;
        }

        if (unsynced)
        {
            file!.Flush(flushToDisk: true);
            unsynced = false;
        }
    }

    public void Dispose() => file?.Dispose();

    /// <summary>
    /// Makes the chunks hold at least <paramref name="count"/> hashes. The first chunk starts small and doubles,
    /// so that the many short upper levels cost little; a chunk that grows is copied before it is published,
    /// so a reader holding the old one still reads every hash the published size covers.
    /// </summary>
    private void EnsureCapacity(long count)
    {
        if (count == 0)
            return;
        var table = chunks;
        var lastChunk = (int)((count - 1) >> ChunkShift);
        var slotsInLast = (int)((count - 1) & ChunkMask) + 1;
        if (lastChunk < table.Length && table[lastChunk].Length >= slotsInLast * HashSize)
            return;

        var grown = new byte[Math.Max(table.Length, lastChunk + 1)][];
        Array.Copy(table, grown, table.Length);
        for (var i = 0; i < grown.Length; i++)
        {
            var needed = i < lastChunk ? HashesPerChunk : slotsInLast;
            var current = grown[i];
            if (current is not null && current.Length >= needed * HashSize)
                continue;
            var slots = i < lastChunk ? HashesPerChunk : Math.Min(HashesPerChunk, Math.Max(64, (int)BitOperations.RoundUpToPowerOf2((uint)needed)));
            var replacement = new byte[slots * HashSize];
            current?.CopyTo(replacement, 0);
            grown[i] = replacement;
        }

        Volatile.Write(ref chunks, grown);
    }

    private static FileStream OpenFile(string path) =>
        new(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
}
