using System.Collections.Concurrent;
using CareLedger.Access.Audit.Format;
using CareLedger.Access.Gate;

namespace CareLedger.Access.Audit.Storage;

/// <summary>
/// A queued audit record as the batch loop needs it: its canonical bytes, already encoded by the thread that recorded
/// it, and the few columns that queries filter on. The patient's pseudonym and the canonical bytes share one buffer
/// from <see cref="EncodedRecordBuffers"/>, which goes back there once the batch is written. So a record waiting up to
/// the batch interval in the queue holds one reused buffer, not the object graph of an <see cref="AuditRecord"/> —
/// objects that outlived a young-generation collection and were copied into the older one, at a cost of about 10 µs of
/// collector pauses per read when every read was audited.
/// </summary>
internal readonly struct EncodedRecord
{
    private readonly byte[] buffer;
    private readonly int patientLength;
    private readonly int bytesLength;

    private EncodedRecord(AuditRecord record, byte[] buffer, int patientLength, int bytesLength)
    {
        Id = record.Id;
        TimeMs = record.Time.ToUnixTimeMilliseconds();
        AccessorSubject = record.AccessorSubject;
        Action = record.Action;
        Outcome = record.Outcome;
        BreakGlass = record.BreakGlass;
        HasPatient = record.Patient is not null;
        this.buffer = buffer;
        this.patientLength = patientLength;
        this.bytesLength = bytesLength;
    }

    public Guid Id { get; }

    public long TimeMs { get; }

    public string AccessorSubject { get; }

    public AccessAction Action { get; }

    public AuditOutcome Outcome { get; }

    public bool BreakGlass { get; }

    public bool HasPatient { get; }

    /// <summary>The patient's pseudonym; empty when <see cref="HasPatient"/> is false.</summary>
    public ReadOnlySpan<byte> Patient => buffer.AsSpan(0, patientLength);

    /// <summary>The record's canonical bytes (<see cref="AuditRecordCodec"/>).</summary>
    public ReadOnlySpan<byte> Bytes => buffer.AsSpan(patientLength, bytesLength);

    /// <summary>Encodes the record into a buffer of <paramref name="buffers"/>, the patient's pseudonym first.</summary>
    /// <exception cref="ArgumentException">The record cannot be kept as it is (the message names the field).</exception>
    public static EncodedRecord Encode(AuditRecord record, EncodedRecordBuffers buffers)
    {
        // One pass into a pooled buffer, which holds a read's record; only a record refused by that pass (it cannot be
        // kept, or is longer than the buffer) is measured, which names the refused field or sizes a buffer of its own.
        var patientLength = record.Patient?.Length ?? 0;
        var buffer = buffers.Rent(EncodedRecordBuffers.Size);
        if (patientLength <= buffer.Length && AuditRecordCodec.TryWrite(record, buffer.AsSpan(patientLength), out var written))
        {
            record.Patient?.CopyTo(buffer, 0);
            return new EncodedRecord(record, buffer, patientLength, written);
        }

        buffers.Return(buffer);
        var length = AuditRecordCodec.Length(record);
        buffer = buffers.Rent(patientLength + length);
        record.Patient?.CopyTo(buffer, 0);
        written = AuditRecordCodec.Write(record, buffer.AsSpan(patientLength, length));
        return new EncodedRecord(record, buffer, patientLength, written);
    }

    /// <summary>Gives the buffer back; the record must not be used after.</summary>
    public void Release(EncodedRecordBuffers buffers) => buffers.Return(buffer);
}

/// <summary>
/// The buffers of queued records, reused record after record (lock-free: every reading thread rents one). Records larger
/// than <see cref="Size"/> get a buffer of their own, which is not kept.
/// </summary>
internal sealed class EncodedRecordBuffers(int keep)
{
    /// <summary>Enough for a read's record (about 300–700 bytes) with room for long reasons.</summary>
    public const int Size = 1024;

    private readonly ConcurrentQueue<byte[]> free = new();
    private int count;

    public byte[] Rent(int length)
    {
        if (length > Size)
        {
            return new byte[length];
        }

        if (free.TryDequeue(out var buffer))
        {
            Interlocked.Decrement(ref count);
            return buffer;
        }

        return new byte[Size];
    }

    public void Return(byte[] buffer)
    {
        if (buffer.Length != Size || Volatile.Read(ref count) >= keep)
        {
            return;
        }

        Interlocked.Increment(ref count);
        free.Enqueue(buffer);
    }
}
