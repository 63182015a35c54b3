using System.Buffers;
using CareLedger.Ledger.Log.Format;
using CareLedger.Ledger.Log.Segments;
using Microsoft.Win32.SafeHandles;

namespace CareLedger.Ledger.Log.Recovery;

/// <summary>
/// Verifies a segment from its first byte to its last: header, every record's length, checksum and index. Reads
/// sequentially in large blocks so that a scan runs at the speed of memory copies from the page cache.
/// </summary>
internal sealed class SegmentScanner : IDisposable
{
    private const int BlockBytes = 4 * 1024 * 1024;
    private const int SmallestRecord = LogRecordHeader.Size + 1;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BlockBytes);
    private SafeFileHandle? _handle;
    private long _fileLength;
    private long _windowStart;
    private int _windowLength;

    /// <summary>
    /// Scans one segment. A damaged tail is allowed only in the last segment and only when no valid record follows
    /// the damage; anything else throws <see cref="LogCorruptedException"/>. The file is only read.
    /// </summary>
    public SegmentScan Scan(string path, SafeFileHandle handle, long expectedFirstIndex, bool isLastSegment)
    {
        _handle = handle;
        _fileLength = RandomAccess.GetLength(handle);
        _windowStart = 0;
        _windowLength = 0;

        var firstIndex = ReadHeader(path, expectedFirstIndex);
        var ends = new RecordEnds((int)Math.Min(_fileLength / 1024, 1 << 20));
        var position = (long)SegmentHeader.Size;
        var index = firstIndex;
        while (position < _fileLength)
        {
            var problem = CheckRecordAt(path, position, index, out var recordSize);
            if (problem is not null)
            {
                return Damaged(path, position, index, problem, isLastSegment, new SegmentScan(firstIndex, ends, position, _fileLength));
            }

            position += recordSize;
            ends.Add(position);
            index++;
        }

        return new SegmentScan(firstIndex, ends, position, _fileLength);
    }

    private long ReadHeader(string path, long expectedFirstIndex)
    {
        if (!SegmentHeader.TryRead(Window(0, (int)Math.Min(SegmentHeader.Size, _fileLength)), out var header, out var problem))
        {
            throw Corruption.At(path, 0, null, problem);
        }

        if (!SegmentFileName.TryParse(Path.GetFileName(path), out var nameIndex) || nameIndex != header.FirstIndex)
        {
            throw Corruption.At(path, 0, null, $"the header says the segment starts at record {header.FirstIndex}, which its file name does not");
        }

        if (header.FirstIndex != expectedFirstIndex)
        {
            throw Corruption.At(
                path,
                0,
                expectedFirstIndex,
                $"the segment starts at record {header.FirstIndex} but record {expectedFirstIndex} comes next (a segment is missing or misplaced)");
        }

        return header.FirstIndex;
    }

    /// <summary>
    /// Returns null and the record's size when a valid record with <paramref name="expectedIndex"/> is at
    /// <paramref name="position"/>, otherwise what is wrong with it. A checksummed record with the wrong index is
    /// not a torn write but lost or reordered records, so it throws.
    /// </summary>
    private string? CheckRecordAt(string path, long position, long expectedIndex, out int recordSize)
    {
        recordSize = 0;
        var remaining = _fileLength - position;
        if (remaining < LogRecordHeader.Size)
        {
            return $"is incomplete: the file ends {remaining} bytes into its header";
        }

        var header = LogRecordHeader.Read(Window(position, LogRecordHeader.Size));
        if (header.PayloadLength == 0 || header.PayloadLength > LogRecord.MaxPayloadBytes)
        {
            return $"has an invalid payload length {header.PayloadLength}";
        }

        if (header.PayloadLength > remaining - LogRecordHeader.Size)
        {
            return $"is incomplete: the file ends {remaining - LogRecordHeader.Size} bytes into its {header.PayloadLength}-byte payload";
        }

        var size = LogRecord.SizeOf((int)header.PayloadLength);
        if (header.Checksum != LogRecord.ComputeChecksum(Window(position, size)))
        {
            return "checksum mismatch";
        }

        if (header.Index != expectedIndex)
        {
            throw Corruption.At(
                path,
                position,
                expectedIndex,
                $"record {expectedIndex} is missing: the record here carries index {header.Index} (an index gap)");
        }

        recordSize = size;
        return null;
    }

    private SegmentScan Damaged(string path, long position, long index, string problem, bool isLastSegment, SegmentScan validPart)
    {
        if (!isLastSegment)
        {
            throw Corruption.At(path, position, index, $"record {index} {problem}, and this is not the last segment");
        }

        if (FindValidRecordAfter(position, index) is var (followerOffset, followerIndex))
        {
            throw Corruption.At(path, position, index, $"record {index} {problem}, yet a valid record (index {followerIndex}) follows at offset {followerOffset}");
        }

        return validPart;
    }

    /// <summary>
    /// Looks at every byte offset after a damaged record for a record that passes its checksum: if one exists, the
    /// damage is not a torn tail. Candidates are first filtered by a plausible length and index so that garbage costs
    /// almost nothing to rule out.
    /// </summary>
    private (long Offset, long Index)? FindValidRecordAfter(long damagedAt, long damagedIndex)
    {
        var highestPlausibleIndex = damagedIndex + ((_fileLength - damagedAt) / SmallestRecord);
        for (var candidate = damagedAt + 1; candidate + SmallestRecord <= _fileLength; candidate++)
        {
            var header = LogRecordHeader.Read(Window(candidate, LogRecordHeader.Size));
            var room = _fileLength - candidate - LogRecordHeader.Size;
            if (header.PayloadLength == 0 || header.PayloadLength > LogRecord.MaxPayloadBytes || header.PayloadLength > room
                || header.Index < 0 || header.Index > highestPlausibleIndex)
            {
                continue;
            }

            var record = Window(candidate, LogRecord.SizeOf((int)header.PayloadLength));
            if (header.Checksum == LogRecord.ComputeChecksum(record))
            {
                return (candidate, header.Index);
            }
        }

        return null;
    }

    /// <summary>The file's bytes [position, position + count), read ahead in large blocks.</summary>
    private ReadOnlySpan<byte> Window(long position, int count)
    {
        if (position >= _windowStart && position + count <= _windowStart + _windowLength)
        {
            return _buffer.AsSpan((int)(position - _windowStart), count);
        }

        if (count > _buffer.Length)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(count);
        }

        var wanted = (int)Math.Min(_buffer.Length, _fileLength - position);
        var filled = 0;
        while (filled < wanted)
        {
            var read = RandomAccess.Read(_handle!, _buffer.AsSpan(filled, wanted - filled), position + filled);
            if (read == 0)
            {
                throw new IOException($"The segment shrank while it was being scanned (expected {_fileLength} bytes).");
            }

            filled += read;
        }

        _windowStart = position;
        _windowLength = filled;
        return _buffer.AsSpan(0, count);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
