using CareLedger.IO;
using CareLedger.Ledger.Log.Format;
using Microsoft.Win32.SafeHandles;

namespace CareLedger.Ledger.Log.Segments;

/// <summary>One open segment file: its place in the log, its handle (shared by the writer and readers' preads) and its offset index.</summary>
internal sealed class Segment : IDisposable
{
    public Segment(string path, long firstIndex, SafeFileHandle handle, RecordEnds ends)
    {
        Path = path;
        FirstIndex = firstIndex;
        Handle = handle;
        Ends = ends;
    }

    public string Path { get; }

    public string FileName => System.IO.Path.GetFileName(Path);

    public long FirstIndex { get; }

    public SafeFileHandle Handle { get; }

    public RecordEnds Ends { get; }

    /// <summary>
    /// Creates the segment whose first record will be <paramref name="firstIndex"/>. The header is written and fsynced
    /// under a temporary name, renamed into place and the directory fsynced, so a segment under its real name always
    /// has a complete header, even after a crash.
    /// </summary>
    public static Segment Create(string directory, long firstIndex)
    {
        var path = System.IO.Path.Combine(directory, SegmentFileName.For(firstIndex));
        var temporaryPath = path + SegmentFileName.TemporarySuffix;
        var handle = File.OpenHandle(temporaryPath, FileMode.Create, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        try
        {
            Span<byte> header = stackalloc byte[SegmentHeader.Size];
            new SegmentHeader(firstIndex).WriteTo(header);
            RandomAccess.Write(handle, header, 0);
            RandomAccess.FlushToDisk(handle);
            File.Move(temporaryPath, path, overwrite: false);
            DirectorySync.Flush(directory);
        }
        catch
        {
            handle.Dispose();
            File.Delete(temporaryPath);
            throw;
        }

        return new Segment(path, firstIndex, handle, new RecordEnds());
    }

    public void Dispose() => Handle.Dispose();
}
