using CareLedger.Ledger.Log.Segments;

namespace CareLedger.Ledger.Log.Recovery;

/// <summary>
/// Opens every segment of a log directory in order and verifies it end to end. Only when the whole log checks out
/// does it change anything on disk: cutting a torn tail, removing half-created segments, or creating the first segment.
/// </summary>
internal static class LogRecovery
{
    public static (List<Segment> Segments, LogRecoveryReport Report) Recover(string directory)
    {
        var (segmentPaths, temporaryPaths) = ListFiles(directory);
        var segments = new List<Segment>(segmentPaths.Count);
        SegmentScan? lastScan = null;
        try
        {
            using (var scanner = new SegmentScanner())
            {
                var nextIndex = 0L;
                for (var i = 0; i < segmentPaths.Count; i++)
                {
                    var isLast = i == segmentPaths.Count - 1;
                    // The last segment becomes the active one; opening it for writing changes nothing by itself.
                    var handle = File.OpenHandle(segmentPaths[i], FileMode.Open, isLast ? FileAccess.ReadWrite : FileAccess.Read, FileShare.Read);
                    try
                    {
                        lastScan = scanner.Scan(segmentPaths[i], handle, nextIndex, isLast);
                    }
                    catch
                    {
                        handle.Dispose();
                        throw;
                    }

                    segments.Add(new Segment(segmentPaths[i], lastScan.FirstIndex, handle, lastScan.Ends));
                    nextIndex = lastScan.NextIndex;
                }
            }

            var (tornBytes, tornSegment) = (0L, (string?)null);
            if (lastScan is { TornBytes: > 0 })
            {
                var last = segments[^1];
                RandomAccess.SetLength(last.Handle, lastScan.ValidLength);
                RandomAccess.FlushToDisk(last.Handle);
                (tornBytes, tornSegment) = (lastScan.TornBytes, last.Path);
            }

            foreach (var temporaryPath in temporaryPaths)
            {
                File.Delete(temporaryPath);
            }

            if (segments.Count == 0)
            {
                segments.Add(Segment.Create(directory, 0));
            }

            var records = segments[^1].FirstIndex + segments[^1].Ends.Count;
            return (segments, new LogRecoveryReport(records, segments.Count, tornBytes, tornSegment));
        }
        catch
        {
            foreach (var segment in segments)
            {
                segment.Dispose();
            }

            throw;
        }
    }

    private static (List<string> Segments, List<string> Temporary) ListFiles(string directory)
    {
        var segments = new List<(long FirstIndex, string Path)>();
        var temporary = new List<string>();
        foreach (var path in Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(path);
            if (SegmentFileName.IsTemporary(name))
            {
                temporary.Add(path);
            }
            else if (SegmentFileName.TryParse(name, out var firstIndex))
            {
                segments.Add((firstIndex, path));
            }
            else if (SegmentFileName.IsSegment(name))
            {
                throw Corruption.At(path, 0, null, "this file is named like a segment but not as this log names them (20 digits + .seg)");
            }
        }

        segments.Sort((a, b) => a.FirstIndex.CompareTo(b.FirstIndex));
        return (segments.ConvertAll(s => s.Path), temporary);
    }
}
