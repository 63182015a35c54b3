using System.Buffers;
using CareLedger.Ledger.Log.Format;
using CareLedger.Ledger.Log.Recovery;
using CareLedger.Ledger.Log.Segments;

namespace CareLedger.Ledger.Log;

public sealed partial class FileLog
{
    /// <summary>Sequential reads gather records into blocks of this size, below the large-object heap's threshold.</summary>
    private const int ReadBlockBytes = 64 * 1024;

    /// <summary>The payload of record <paramref name="index"/> (one pread); safe concurrently with the writer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The record is not (yet) durable: <paramref name="index"/> is not below <see cref="FlushedCount"/>.</exception>
    /// <exception cref="LogCorruptedException">The record no longer passes its checksum.</exception>
    public byte[] Read(long index)
    {
        ThrowIfOutside(index, FlushedCount, inclusive: false);
        var segments = Volatile.Read(ref _segments);
        var segment = segments[SegmentPositionOf(segments, index)];
        var position = (int)(index - segment.FirstIndex);
        var start = segment.Ends.StartOf(position);
        var size = (int)(segment.Ends[position] - start);

        var record = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            ReadExactly(segment, record.AsSpan(0, size), start);
            Verify(segment, record.AsSpan(0, size), start, index);
            return record.AsSpan(LogRecordHeader.Size, size - LogRecordHeader.Size).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(record);
        }
    }

    /// <summary>
    /// The records from <paramref name="index"/> up to the <see cref="FlushedCount"/> of the moment of this call, in
    /// order, read in large sequential blocks; safe concurrently with the writer.
    /// </summary>
    public IEnumerable<LogEntry> ReadFrom(long index)
    {
        var end = FlushedCount;
        ThrowIfOutside(index, end, inclusive: true);
        return ReadRange(index, end);
    }

    private IEnumerable<LogEntry> ReadRange(long index, long end)
    {
        while (index < end)
        {
            var segments = Volatile.Read(ref _segments);
            var segmentPosition = SegmentPositionOf(segments, index);
            var segment = segments[segmentPosition];
            var segmentEnd = segmentPosition + 1 < segments.Length ? Math.Min(segments[segmentPosition + 1].FirstIndex, end) : end;

            // Gather as many whole records as fit in one block (at least one), and read them with a single pread.
            var first = (int)(index - segment.FirstIndex);
            var start = segment.Ends.StartOf(first);
            var last = first;
            while (segment.FirstIndex + last + 1 < segmentEnd && segment.Ends[last + 1] - start <= ReadBlockBytes)
            {
                last++;
            }

            var block = new byte[segment.Ends[last] - start];
            ReadExactly(segment, block, start);
            var offset = 0;
            for (var position = first; position <= last; position++, index++)
            {
                var size = (int)(segment.Ends[position] - start - offset);
                Verify(segment, block.AsSpan(offset, size), start + offset, index);
                yield return new LogEntry(index, block.AsMemory(offset + LogRecordHeader.Size, size - LogRecordHeader.Size));
                offset += size;
            }
        }
    }

    /// <summary>Binary search for the last segment whose first record is at or before <paramref name="index"/>.</summary>
    private static int SegmentPositionOf(Segment[] segments, long index)
    {
        var (low, high) = (0, segments.Length - 1);
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (segments[middle].FirstIndex <= index)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }

    private static void ReadExactly(Segment segment, Span<byte> destination, long fileOffset)
    {
        var filled = 0;
        while (filled < destination.Length)
        {
            var read = RandomAccess.Read(segment.Handle, destination[filled..], fileOffset + filled);
            if (read == 0)
            {
                throw new IOException($"Segment {segment.FileName} ends before offset {fileOffset + destination.Length}, where a durable record ends.");
            }

            filled += read;
        }
    }

    private static void Verify(Segment segment, ReadOnlySpan<byte> record, long fileOffset, long index)
    {
        if (LogRecord.Validate(record, index) is { } problem)
        {
            throw Corruption.OnRead(segment.Path, fileOffset, index, problem);
        }
    }

    private void ThrowIfOutside(long index, long flushedCount, bool inclusive)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (index < 0 || index > flushedCount || (!inclusive && index == flushedCount))
        {
            throw new ArgumentOutOfRangeException(
                nameof(index),
                index,
                $"Record {index} is not in the durable log, which holds records 0 to {flushedCount - 1} (FlushedCount {flushedCount}).");
        }
    }
}
