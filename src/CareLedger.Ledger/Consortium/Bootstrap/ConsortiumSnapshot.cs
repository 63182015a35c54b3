using System.Buffers.Binary;
using System.Text;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.State;

namespace CareLedger.Ledger.Consortium.Bootstrap;

/// <summary>
/// What a new member bootstraps from (ADR 0010): a member's log prefix of <see cref="Entries"/> transactions (leaf 0,
/// the genesis, included), the stream position its state had reached at exactly that prefix, and the latest commit
/// point it served (a checkpoint a quorum cosigned, of a size no larger than the prefix). Nothing in it is trusted: the
/// joining member checks the prefix against the commit point's root and replays it with the rules.
/// Binary, big-endian: "careledger-snapshot/v1\n", u32 length + UTF-8 commit note, u64 stream sequence, 32-byte
/// message hash, i64 checkpoint size, i64 checkpoint stream ms, u64 entry count, then each entry as u32 length + bytes.
/// </summary>
public sealed record ConsortiumSnapshot(string CommitNote, OrderingPosition Position, IReadOnlyList<ReadOnlyMemory<byte>> Entries)
{
    public const string MediaType = "application/vnd.careledger.snapshot";

    /// <summary>NATS's and the log's limit on one transaction is far below this; a larger length is a corrupt file.</summary>
    private const int MaxEntryBytes = 16 * 1024 * 1024;

    private static readonly byte[] Magic = "careledger-snapshot/v1\n"u8.ToArray();

    public byte[] Encode()
    {
        using var output = new MemoryStream();
        output.Write(Magic);
        var note = Encoding.UTF8.GetBytes(CommitNote);
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(number, (uint)note.Length);
        output.Write(number[..4]);
        output.Write(note);
        BinaryPrimitives.WriteUInt64BigEndian(number, Position.StreamSequence);
        output.Write(number);
        output.Write(Position.MessageHash);
        BinaryPrimitives.WriteInt64BigEndian(number, Position.CheckpointSize);
        output.Write(number);
        BinaryPrimitives.WriteInt64BigEndian(number, Position.CheckpointStreamMs);
        output.Write(number);
        BinaryPrimitives.WriteUInt64BigEndian(number, (ulong)Entries.Count);
        output.Write(number);
        foreach (var entry in Entries)
        {
            BinaryPrimitives.WriteUInt32BigEndian(number, (uint)entry.Length);
            output.Write(number[..4]);
            output.Write(entry.Span);
        }

        return output.ToArray();
    }

    /// <exception cref="FormatException">not a snapshot, or truncated.</exception>
    public static ConsortiumSnapshot Decode(ReadOnlyMemory<byte> data)
    {
        var at = 0;
        ReadOnlyMemory<byte> Take(int count)
        {
            if (count < 0 || data.Length - at < count)
            {
                throw new FormatException($"the snapshot is truncated at byte {at}");
            }

            var slice = data.Slice(at, count);
            at += count;
            return slice;
        }

        if (!Take(Magic.Length).Span.SequenceEqual(Magic))
        {
            throw new FormatException("not a CareLedger snapshot (it does not begin with careledger-snapshot/v1)");
        }

        var noteLength = BinaryPrimitives.ReadUInt32BigEndian(Take(4).Span);
        var note = Encoding.UTF8.GetString(Take(noteLength > MaxEntryBytes ? -1 : (int)noteLength).Span);
        var sequence = BinaryPrimitives.ReadUInt64BigEndian(Take(8).Span);
        var hash = Take(32).ToArray();
        var checkpointSize = BinaryPrimitives.ReadInt64BigEndian(Take(8).Span);
        var checkpointMs = BinaryPrimitives.ReadInt64BigEndian(Take(8).Span);
        var count = BinaryPrimitives.ReadUInt64BigEndian(Take(8).Span);
        if (count > (ulong)(data.Length - at) / 4)
        {
            throw new FormatException($"the snapshot claims {count} entries but holds {data.Length - at} more bytes");
        }

        var entries = new ReadOnlyMemory<byte>[(int)count];
        for (var i = 0; i < entries.Length; i++)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(Take(4).Span);
            entries[i] = Take(length > MaxEntryBytes ? -1 : (int)length);
        }

        if (at != data.Length)
        {
            throw new FormatException($"the snapshot has {data.Length - at} bytes after its last entry");
        }

        return new ConsortiumSnapshot(note, new OrderingPosition(sequence, hash, checkpointSize, checkpointMs), entries);
    }

    /// <summary>The RFC 9162 root of the first <paramref name="size"/> leaf hashes (MTH), computed in memory.</summary>
    internal static byte[] RootOf(IReadOnlyList<byte[]> leafHashes, int start, int size)
    {
        if (size == 0)
        {
            return Rfc9162.EmptyRoot;
        }

        if (size == 1)
        {
            return leafHashes[start];
        }

        var split = 1;
        while (split * 2 < size)
        {
            split *= 2;
        }

        return Rfc9162.HashChildren(RootOf(leafHashes, start, split), RootOf(leafHashes, start + split, size - split));
    }
}
