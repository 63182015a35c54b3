namespace CareLedger.Ledger.Log.Format;

/// <summary>
/// One record on disk: a <see cref="LogRecordHeader"/> followed by the payload. The checksum is CRC-32C over
/// <c>length bytes || index bytes || payload</c>, so a record copied to another position fails it as surely as a flipped bit.
/// </summary>
internal static class LogRecord
{
    /// <summary>
    /// The format's own ceiling on a payload. Recovery accepts any checksummed record up to this size, whatever
    /// <see cref="FileLogOptions.MaxRecordBytes"/> says today, so lowering that option never cuts valid records.
    /// </summary>
    public const int MaxPayloadBytes = 64 * 1024 * 1024;

    public static int SizeOf(int payloadLength) => LogRecordHeader.Size + payloadLength;

    /// <summary>Writes the record for <paramref name="payload"/> at <paramref name="index"/>; returns the bytes written.</summary>
    public static int Write(long index, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        if (payload.IsEmpty || payload.Length > MaxPayloadBytes)
        {
            throw new ArgumentException($"A log record's payload must be 1 to {MaxPayloadBytes} bytes; it is {payload.Length}.", nameof(payload));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var size = SizeOf(payload.Length);
        if (destination.Length < size)
        {
            throw new ArgumentException($"The record needs {size} bytes; the destination has {destination.Length}.", nameof(destination));
        }

        var record = destination[..size];
        payload.CopyTo(record[LogRecordHeader.Size..]);
        new LogRecordHeader((uint)payload.Length, 0, index).WriteTo(record);
        new LogRecordHeader((uint)payload.Length, ComputeChecksum(record), index).WriteTo(record);
        return size;
    }

    /// <summary>The checksum that <paramref name="record"/> (header and whole payload) should carry.</summary>
    public static uint ComputeChecksum(ReadOnlySpan<byte> record)
    {
        var crc = Crc32C.Append(Crc32C.Seed, record.Slice(LogRecordHeader.LengthOffset, sizeof(uint)));
        crc = Crc32C.Append(crc, record.Slice(LogRecordHeader.IndexOffset, sizeof(long)));
        crc = Crc32C.Append(crc, record[LogRecordHeader.Size..]);
        return Crc32C.Finish(crc);
    }

    /// <summary>
    /// Checks a complete record (exactly header and payload, as cut by the caller from the stored length) and
    /// returns what is wrong with it, or null when it is valid.
    /// </summary>
    public static string? Validate(ReadOnlySpan<byte> record, long expectedIndex)
    {
        var header = LogRecordHeader.Read(record);
        if (header.PayloadLength == 0 || header.PayloadLength > MaxPayloadBytes || SizeOf((int)header.PayloadLength) != record.Length)
        {
            return $"has an invalid payload length {header.PayloadLength}";
        }

        if (header.Checksum != ComputeChecksum(record))
        {
            return "checksum mismatch";
        }

        return header.Index == expectedIndex ? null : $"carries index {header.Index}";
    }
}
