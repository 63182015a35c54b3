using CareLedger.IO;
using System.Buffers;
using CareLedger.Ledger.Log.Format;
using CareLedger.Ledger.Log.Recovery;
using CareLedger.Ledger.Log.Segments;
using Microsoft.Win32.SafeHandles;

namespace CareLedger.Ledger.Log;

/// <summary>
/// The embedded append-only log: segment files of checksummed records in one directory. One writer appends and
/// flushes (group commit: many <see cref="Append"/>, one <see cref="Flush"/>); any number of readers read records
/// below <see cref="FlushedCount"/> concurrently with it.
/// </summary>
public sealed partial class FileLog : IDisposable
{
    /// <summary>Held open with an exclusive lock so that two writers can never share a log.</summary>
    private const string LockFileName = "log.lock";
    private const int MinimumWriteBufferBytes = 1024 * 1024;
    private const long MaximumSegmentBytes = 16L * 1024 * 1024 * 1024;

    private readonly FileLogOptions _options;
    private readonly string _directory;
    private readonly SafeFileHandle _lock;
    private readonly byte[] _writeBuffer;
    private Segment[] _segments;
    private Segment _active;
    private int _buffered;
    private long _count;
    private long _flushedCount;
    private Exception? _writeFailure;
    private bool _disposed;

    private FileLog(FileLogOptions options, string directory, SafeFileHandle lockHandle, List<Segment> segments, long count)
    {
        _options = options;
        _directory = directory;
        _lock = lockHandle;
        _segments = [.. segments];
        _active = segments[^1];
        _count = count;
        _flushedCount = count;
        _writeBuffer = ArrayPool<byte>.Shared.Rent(Math.Max(MinimumWriteBufferBytes, LogRecord.SizeOf(options.MaxRecordBytes)));
    }

    /// <summary>Records appended, durable or not yet.</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>Records known to be on disk (fsynced); only these can be read.</summary>
    public long FlushedCount => Volatile.Read(ref _flushedCount);

    /// <summary>
    /// Opens (or creates) the log in <see cref="FileLogOptions.Directory"/>, verifying every record. A torn tail (an
    /// incomplete or failing record at the very end with nothing valid after it) is cut off and reported; any other
    /// damage throws <see cref="LogCorruptedException"/> and leaves the files untouched.
    /// </summary>
    public static FileLog Open(FileLogOptions options, out LogRecoveryReport report)
    {
        Validate(options);
        var directory = Path.GetFullPath(options.Directory);
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory);
            if (Path.GetDirectoryName(directory) is { } parent)
            {
                DirectorySync.Flush(parent);
            }
        }

        var lockPath = Path.Combine(directory, LockFileName);
        var lockExisted = File.Exists(lockPath);
        var lockHandle = AcquireLock(lockPath, directory);
        try
        {
            var (segments, recoveryReport) = LogRecovery.Recover(directory);
            report = recoveryReport;
            return new FileLog(options, directory, lockHandle, segments, recoveryReport.Records);
        }
        catch
        {
            // A refused open leaves the directory exactly as it found it, for whoever investigates it next.
            if (!lockExisted)
            {
                File.Delete(lockPath);
            }

            lockHandle.Dispose();
            throw;
        }
    }

    private static void Validate(FileLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            throw new ArgumentException("FileLogOptions.Directory must name the log's directory.", nameof(options));
        }

        var smallestSegment = SegmentHeader.Size + LogRecord.SizeOf(1);
        if (options.SegmentBytes < smallestSegment || options.SegmentBytes > MaximumSegmentBytes)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.SegmentBytes,
                $"FileLogOptions.SegmentBytes must be from {smallestSegment} to {MaximumSegmentBytes} bytes.");
        }

        if (options.MaxRecordBytes < 1 || options.MaxRecordBytes > LogRecord.MaxPayloadBytes)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.MaxRecordBytes,
                $"FileLogOptions.MaxRecordBytes must be from 1 to {LogRecord.MaxPayloadBytes} bytes.");
        }
    }

    private static SafeFileHandle AcquireLock(string path, string directory)
    {
        try
        {
            return File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"The log in '{directory}' is already open (by this or another process); only one writer may open it.", e);
        }
    }

    /// <summary>Flushes what was appended (unless a write already failed), then closes the files.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            if (_writeFailure is null)
            {
                Flush();
            }
        }
        finally
        {
            _disposed = true;
            foreach (var segment in _segments)
            {
                segment.Dispose();
            }

            _lock.Dispose();
            ArrayPool<byte>.Shared.Return(_writeBuffer);
        }
    }
}
