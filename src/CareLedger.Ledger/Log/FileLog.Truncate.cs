using CareLedger.IO;
using CareLedger.Ledger.Log.Segments;

namespace CareLedger.Ledger.Log;

public sealed partial class FileLog
{
    /// <summary>
    /// Drops the records at and beyond <paramref name="count"/>, durably: later segments are deleted (last first, so a
    /// crash part-way leaves a log without gaps) and the segment that keeps records is cut after its last kept record
    /// and fsynced. A consortium member's recovery only (ADR 0005): it rolls back a suffix it applied but never
    /// cosigned when the network's stream replaced it. Single writer; no reader may be reading the dropped records.
    /// </summary>
    public void TruncateTo(long count)
    {
        ThrowIfUnwritable();
        if (count < 0 || count > _count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"The log holds {_count} records; it can be cut only to 0..{_count}.");
        }

        if (count == _count)
        {
            return;
        }

        try
        {
            WriteBuffered();
            Volatile.Write(ref _flushedCount, Math.Min(_flushedCount, count));
            var segments = _segments;
            // The segment that will hold the last kept record; the first segment stays even when it keeps none.
            var keep = SegmentPositionOf(segments, Math.Max(0, count - 1));
            if (count > 0 && segments[keep].FirstIndex + segments[keep].Ends.Count < count)
            {
                throw new InvalidOperationException($"the log's index does not reach record {count - 1}");
            }

            for (var i = segments.Length - 1; i > keep; i--)
            {
                segments[i].Dispose();
                File.Delete(segments[i].Path);
            }

            var kept = segments[keep];
            if (keep < segments.Length - 1)
            {
                DirectorySync.Flush(_directory);
                // A sealed segment was opened for reading only: it becomes the active one again.
                var handle = File.OpenHandle(kept.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
                kept.Dispose();
                kept = new Segment(kept.Path, kept.FirstIndex, handle, kept.Ends);
            }

            var position = (int)(count - kept.FirstIndex);
            RandomAccess.SetLength(kept.Handle, kept.Ends.StartOf(position));
            RandomAccess.FlushToDisk(kept.Handle);
            kept.Ends.TruncateTo(position);
            Volatile.Write(ref _segments, [.. segments[..keep], kept]);
            _active = kept;
            Volatile.Write(ref _count, count);
            Volatile.Write(ref _flushedCount, count);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _writeFailure = e;
            throw;
        }
    }
}
