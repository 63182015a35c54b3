using CareLedger.Ledger.Log.Format;
using CareLedger.Ledger.Log.Segments;

namespace CareLedger.Ledger.Log;

public sealed partial class FileLog
{
    /// <summary>
    /// Appends a record and returns its index. It is buffered, not yet durable: call <see cref="Flush"/> before
    /// acknowledging it. Single writer only.
    /// </summary>
    /// <exception cref="ArgumentException">The payload is empty or larger than <see cref="FileLogOptions.MaxRecordBytes"/>; nothing is appended.</exception>
    public long Append(ReadOnlySpan<byte> payload)
    {
        ThrowIfUnwritable();
        if (payload.IsEmpty)
        {
            throw new ArgumentException("A log record's payload must not be empty.", nameof(payload));
        }

        if (payload.Length > _options.MaxRecordBytes)
        {
            throw new ArgumentException(
                $"A log record's payload is {payload.Length} bytes, over the limit of {_options.MaxRecordBytes} (FileLogOptions.MaxRecordBytes).",
                nameof(payload));
        }

        var size = LogRecord.SizeOf(payload.Length);
        try
        {
            if (_active.Ends.Count > 0 && _active.Ends.End + size > _options.SegmentBytes)
            {
                RollOver();
            }

            if (_buffered + size > _writeBuffer.Length)
            {
                WriteBuffered();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _writeFailure = e;
            throw;
        }

        var index = _count;
        _buffered += LogRecord.Write(index, payload, _writeBuffer.AsSpan(_buffered));
        _active.Ends.Add(_active.Ends.End + size);
        Volatile.Write(ref _count, index + 1);
        return index;
    }

    /// <summary>Writes every appended record and fsyncs it; afterwards <see cref="FlushedCount"/> equals <see cref="Count"/>.</summary>
    public void Flush()
    {
        ThrowIfUnwritable();
        if (_flushedCount == _count)
        {
            return;
        }

        try
        {
            WriteBuffered();
            RandomAccess.FlushToDisk(_active.Handle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _writeFailure = e;
            throw;
        }

        Volatile.Write(ref _flushedCount, _count);
    }

    /// <summary>
    /// Seals the active segment (written and fsynced, so only the last segment can ever have a torn tail) and starts
    /// the next one, named by the index of the record about to be appended.
    /// </summary>
    private void RollOver()
    {
        WriteBuffered();
        RandomAccess.FlushToDisk(_active.Handle);
        Volatile.Write(ref _flushedCount, _count);

        var next = Segment.Create(_directory, _count);
        Volatile.Write(ref _segments, [.. _segments, next]);
        _active = next;
    }

    private void WriteBuffered()
    {
        if (_buffered == 0)
        {
            return;
        }

        RandomAccess.Write(_active.Handle, _writeBuffer.AsSpan(0, _buffered), _active.Ends.End - _buffered);
        _buffered = 0;
    }

    /// <summary>
    /// After a failed write or fsync the state of the file is unknown (a later fsync may report success for pages the
    /// kernel dropped), so the log refuses further writes until it is reopened and recovered.
    /// </summary>
    private void ThrowIfUnwritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_writeFailure is not null)
        {
            throw new InvalidOperationException(
                $"The log stopped accepting writes after an I/O failure ({_writeFailure.Message}); reopen it to recover.",
                _writeFailure);
        }
    }
}
