using System.Buffers;
using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Text;
using System.Text.Unicode;
using CareLedger.Access.Callers;

namespace CareLedger.Access.Audit.Format;

/// <summary>
/// The canonical bytes of an <see cref="AuditRecord"/> (docs/receipts.md, "Audit receipts"): a CBOR map in
/// RFC 8949 §4.2 deterministic encoding with the unsigned keys 0..18 in ascending order, every key always present
/// (absent values are CBOR null). One record has exactly one encoding, so its commitment is reproducible by anyone
/// holding the bytes. Decoding re-encodes and compares byte for byte, refusing any other encoding of the same value.
/// </summary>
internal static class AuditRecordCodec
{
    public const int Version = 1;
    public const int PseudonymLength = 16;
    public const int MaxSubjectLength = 256;
    public const int MaxShortTextLength = 128;
    public const int MaxTextLength = 1024;
    public const int MaxReasons = 64;

    private const int FieldCount = 19;

    public static byte[] Encode(AuditRecord record)
    {
        var bytes = new byte[Length(record)];
        Write(record, bytes);
        return bytes;
    }

    /// <summary>The exact length of the record's canonical bytes, after checking that it can be kept.</summary>
    /// <exception cref="ArgumentException">The record cannot be kept as it is (the message names the field).</exception>
    public static int Length(AuditRecord record)
    {
        if (Problem(record) is { } problem)
        {
            throw new ArgumentException($"audit record {record.Id}: {problem}", nameof(record));
        }

        // The map's head and its 19 one-byte keys; the version (one byte); the id (head and 16 bytes); the flag (one byte).
        var length = 1 + FieldCount + 1 + 17 + 1;
        length += HeadLength((ulong)record.Time.ToUnixTimeMilliseconds());
        length += TextLength(AuditWireNames.ToName(record.Action)) + TextLength(AuditWireNames.ToName(record.Outcome));
        length += TextLength(record.AccessorSubject) + TextLength(record.AccessorRole.ToName());
        length += TextLength(record.AccessorReference) + TextLength(record.Organisation) + TextLength(record.Purpose);
        length += record.Patient is null ? 1 : HeadLength((ulong)record.Patient.Length) + record.Patient.Length;
        length += TextLength(record.ResourceType) + TextLength(record.ResourceId);
        length += HeadLength((ulong)record.Disclosed) + HeadLength((ulong)record.Withheld);
        var reasons = record.Reasons;
        length += HeadLength((ulong)reasons.Count);
        for (var i = 0; i < reasons.Count; i++)
        {
            length += TextLength(reasons[i]);
        }

        return length + TextLength(record.Detail) + TextLength(record.RequestId);
    }

    /// <summary>
    /// Writes the record's canonical bytes to <paramref name="destination"/>, exactly <see cref="Length"/> bytes long
    /// (which checks the record first), and returns how many were written.
    /// </summary>
    /// <exception cref="ArgumentException">The record cannot be kept as it is, or the destination is too short.</exception>
    public static int Write(AuditRecord record, Span<byte> destination)
    {
        if (TryWrite(record, destination, out var written))
        {
            return written;
        }

        // Refused: Length names the field (the same message as before the single pass), or the destination was short.
        var length = Length(record);
        throw new ArgumentException($"audit record {record.Id}: {length} bytes do not fit in {destination.Length}", nameof(destination));
    }

    /// <summary>
    /// Checks the record and writes its canonical bytes to <paramref name="destination"/> in one pass; false, with
    /// nothing to use in the destination, when the record cannot be kept (<see cref="Problem"/> then names why) or
    /// does not fit.
    /// </summary>
    /// <remarks>
    /// Written straight into the span, one CBOR head and value after another: the door writes a record on every read, and
    /// a <see cref="CborWriter"/>, with its checks of each item against the open map and its own buffer copied out at
    /// the end, cost several times this. One pass, because checking the record (<see cref="Problem"/>), measuring it
    /// (<see cref="Length"/>) and then writing it went over each of its strings three times: about 5 µs of the door's
    /// CPU per read in a profile (docs/benchmarks.md). Each text is checked as it is transcoded (the strict transcoder
    /// stops at a lone surrogate), its head guessed from its length in UTF-16 units (exact for ASCII) and the bytes
    /// moved right in the rare case the UTF-8 length needs a longer head. Canonical by construction (RFC 8949 §4.2.1):
    /// the keys in ascending order, every integer and length in its shortest form, every length definite. The frozen
    /// bytes in the codec's tests, and a test against <see cref="CborWriter"/> in its canonical mode over many
    /// generated records, hold it to that.
    /// </remarks>
    public static bool TryWrite(AuditRecord record, Span<byte> destination, out int written)
    {
        ArgumentNullException.ThrowIfNull(record);
        written = 0;
        // The checks of everything but the texts (cheap: a message is made only for a record refused); each text is
        // checked below as it is written.
        if (FixedFieldProblem(record) is not null)
        {
            return false;
        }

        var time = record.Time.ToUnixTimeMilliseconds();
        var reasons = record.Reasons;

        // The fixed part up to the first text: map head, key 0, version, key 1, the id's head and 16 bytes, key 2.
        if (destination.Length < 22)
        {
            return false;
        }

        var output = new Output(destination);
        destination[0] = MajorMap | FieldCount;
        destination[1] = 0;
        destination[2] = Version;
        destination[3] = 1;
        destination[4] = MajorBytes | 16;
        record.Id.TryWriteBytes(destination.Slice(5, 16), bigEndian: true, out _);
        destination[21] = 2;
        output.At = 22;
        if (!(output.Head(MajorUnsigned, (ulong)time)
            && output.Byte(3) && output.Text(AuditWireNames.ToName(record.Action), MaxTextLength, required: true)
            && output.Byte(4) && output.Text(AuditWireNames.ToName(record.Outcome), MaxTextLength, required: true)
            && output.Byte(5) && output.Text(record.AccessorSubject, MaxSubjectLength, required: true)
            && output.Byte(6) && output.Text(record.AccessorRole.ToName(), MaxTextLength, required: true)
            && output.Byte(7) && output.Text(record.AccessorReference, MaxTextLength, required: false)
            && output.Byte(8) && output.Text(record.Organisation, MaxTextLength, required: false)
            && output.Byte(9) && output.Text(record.Purpose, MaxShortTextLength, required: true)
            && output.Byte(10)))
        {
            return false;
        }

        if (record.Patient is null)
        {
            if (!output.Byte(Null))
            {
                return false;
            }
        }
        else if (!output.Head(MajorBytes, (ulong)record.Patient.Length) || !output.Bytes(record.Patient))
        {
            return false;
        }

        if (!(output.Byte(11) && output.Text(record.ResourceType, MaxShortTextLength, required: false)
            && output.Byte(12) && output.Text(record.ResourceId, MaxShortTextLength, required: false)
            && output.Byte(13) && output.Head(MajorUnsigned, (ulong)record.Disclosed)
            && output.Byte(14) && output.Head(MajorUnsigned, (ulong)record.Withheld)
            && output.Byte(15) && output.Byte(record.BreakGlass ? True : False)
            && output.Byte(16) && output.Head(MajorArray, (ulong)reasons.Count)))
        {
            return false;
        }

        for (var i = 0; i < reasons.Count; i++)
        {
            if (!output.Text(reasons[i], MaxTextLength, required: true))
            {
                return false;
            }
        }

        if (!(output.Byte(17) && output.Text(record.Detail, MaxTextLength, required: false)
            && output.Byte(18) && output.Text(record.RequestId, MaxShortTextLength, required: false)))
        {
            return false;
        }

        written = output.At;
        return true;
    }

    /// <summary>The destination and how far it is written; every write first checks that it fits.</summary>
    private ref struct Output(Span<byte> destination)
    {
        private readonly Span<byte> destination = destination;

        public int At;

        public bool Byte(byte value)
        {
            if (At >= destination.Length)
            {
                return false;
            }

            destination[At++] = value;
            return true;
        }

        public bool Head(byte major, ulong value)
        {
            if (destination.Length - At < HeadLength(value))
            {
                return false;
            }

            At += WriteHead(destination[At..], major, value);
            return true;
        }

        public bool Bytes(ReadOnlySpan<byte> value)
        {
            if (!value.TryCopyTo(destination[At..]))
            {
                return false;
            }

            At += value.Length;
            return true;
        }

        /// <summary>
        /// A text string (or CBOR null when absent and not required), checked as <see cref="TextProblem"/> checks it:
        /// 1 to <paramref name="maxLength"/> UTF-16 units, no lone surrogate.
        /// </summary>
        public bool Text(string? value, int maxLength, bool required)
        {
            if (value is null)
            {
                return !required && Byte(Null);
            }

            if (value.Length == 0 || value.Length > maxLength)
            {
                return false;
            }

            // The head's length guessed from the UTF-16 length, which is exact when the text is ASCII; UTF-8 is never
            // shorter, so a wrong guess only ever needs a longer head.
            var guess = HeadLength((ulong)value.Length);
            if (destination.Length - At < guess)
            {
                return false;
            }

            var status = Utf8.FromUtf16(value, destination[(At + guess)..], out _, out var bytes, replaceInvalidSequences: false);
            if (status != OperationStatus.Done)
            {
                return false; // a lone surrogate (InvalidData), or too short a destination
            }

            var head = HeadLength((ulong)bytes);
            if (head != guess)
            {
                if (destination.Length - At < head + bytes)
                {
                    return false;
                }

                destination.Slice(At + guess, bytes).CopyTo(destination[(At + head)..]);
            }

            At += WriteHead(destination[At..], MajorText, (ulong)bytes) + bytes;
            return true;
        }
    }

    private const byte MajorUnsigned = 0 << 5;
    private const byte MajorBytes = 2 << 5;
    private const byte MajorText = 3 << 5;
    private const byte MajorArray = 4 << 5;
    private const byte MajorMap = 5 << 5;
    private const byte False = 0xF4;
    private const byte True = 0xF5;
    private const byte Null = 0xF6;

    /// <summary>The length of a CBOR head carrying <paramref name="value"/> in its shortest form (RFC 8949 §4.2.1).</summary>
    private static int HeadLength(ulong value) => value switch
    {
        < 24 => 1,
        <= byte.MaxValue => 2,
        <= ushort.MaxValue => 3,
        <= uint.MaxValue => 5,
        _ => 9,
    };

    private static int WriteHead(Span<byte> destination, byte major, ulong value)
    {
        switch (value)
        {
            case < 24:
                destination[0] = (byte)(major | value);
                return 1;
            case <= byte.MaxValue:
                destination[0] = (byte)(major | 24);
                destination[1] = (byte)value;
                return 2;
            case <= ushort.MaxValue:
                destination[0] = (byte)(major | 25);
                BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)value);
                return 3;
            case <= uint.MaxValue:
                destination[0] = (byte)(major | 26);
                BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)value);
                return 5;
            default:
                destination[0] = (byte)(major | 27);
                BinaryPrimitives.WriteUInt64BigEndian(destination[1..], value);
                return 9;
        }
    }

    /// <summary>A text string's length as written, or CBOR null's when it is absent.</summary>
    /// <remarks><see cref="Problem"/> refuses lone surrogates first, so the strict encoding never meets one.</remarks>
    private static int TextLength(string? value)
    {
        if (value is null)
        {
            return 1;
        }

        var bytes = Strict.GetByteCount(value);
        return HeadLength((ulong)bytes) + bytes;
    }

    /// <summary>UTF-8 that throws rather than replace: a record that is not valid text is never written.</summary>
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes canonical record bytes; <see cref="FormatException"/> names the first thing that is wrong.</summary>
    public static AuditRecord Decode(ReadOnlyMemory<byte> bytes)
    {
        AuditRecord record;
        try
        {
            var reader = new CborReader(bytes, CborConformanceMode.Lax);
            record = Read(reader);
            if (reader.BytesRemaining != 0)
            {
                throw new FormatException($"{reader.BytesRemaining} bytes after the end of the record");
            }
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or OverflowException or DecoderFallbackException or ArgumentException)
        {
            throw new FormatException($"not an audit record: {e.Message}", e);
        }

        if (Problem(record) is { } problem)
        {
            throw new FormatException($"audit record: {problem}");
        }

        if (!Encode(record).AsSpan().SequenceEqual(bytes.Span))
        {
            throw new FormatException("audit record: not in canonical (deterministic) CBOR encoding");
        }

        return record;
    }

    /// <summary>What makes a record impossible to keep, or null: the checks behind a clear refusal at the door.</summary>
    public static string? Problem(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (FixedFieldProblem(record) is { } problem)
        {
            return problem;
        }

        foreach (var reason in record.Reasons)
        {
            if (TextProblem(reason, "a reason", MaxTextLength, required: true) is { } reasonProblem)
            {
                return reasonProblem;
            }
        }

        return TextProblem(record.AccessorSubject, "the accessor subject", MaxSubjectLength, required: true)
            ?? TextProblem(record.Purpose, "the purpose", MaxShortTextLength, required: true)
            ?? TextProblem(record.AccessorReference, "the accessor reference", MaxTextLength, required: false)
            ?? TextProblem(record.Organisation, "the organisation", MaxTextLength, required: false)
            ?? TextProblem(record.ResourceType, "the resource type", MaxShortTextLength, required: false)
            ?? TextProblem(record.ResourceId, "the resource id", MaxShortTextLength, required: false)
            ?? TextProblem(record.Detail, "the detail", MaxTextLength, required: false)
            ?? TextProblem(record.RequestId, "the request id", MaxShortTextLength, required: false);
    }

    /// <summary>What is wrong with the record's fields other than its texts (shared by <see cref="Problem"/> and the single pass of <see cref="TryWrite"/>).</summary>
    private static string? FixedFieldProblem(AuditRecord record)
    {
        if (record.Id == Guid.Empty)
        {
            return "the id is empty";
        }

        if (record.Time.ToUnixTimeMilliseconds() < 0)
        {
            return "the time is before 1970";
        }

        if (!Enum.IsDefined(record.Action))
        {
            return $"action {(int)record.Action} is not an access action";
        }

        if (!Enum.IsDefined(record.Outcome))
        {
            return $"outcome {(int)record.Outcome} is not an audit outcome";
        }

        if (!Enum.IsDefined(record.AccessorRole))
        {
            return $"role {(int)record.AccessorRole} is not a CareLedger role";
        }

        if (record.Patient is { Length: not PseudonymLength })
        {
            return $"the patient pseudonym is {record.Patient.Length} bytes, not {PseudonymLength}";
        }

        if (record.Disclosed < 0 || record.Withheld < 0)
        {
            return "the disclosed and withheld counts must not be negative";
        }

        return record.Reasons is null || record.Reasons.Count > MaxReasons
            ? $"the reasons must be a list of at most {MaxReasons}"
            : null;
    }

    private static string? TextProblem(string? value, string field, int maxLength, bool required)
    {
        if (value is null)
        {
            return required ? $"{field} is missing" : null;
        }

        if (value.Length == 0 || value.Length > maxLength)
        {
            return $"{field} must be 1 to {maxLength} characters";
        }

        // Lone surrogates cannot be written as UTF-8, so they would make the record unencodable. Most texts hold no
        // surrogate at all, which one vectorised search shows.
        var first = value.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0)
        {
            return null;
        }

        for (var i = first; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return $"{field} is not valid Unicode text";
            }
        }

        return null;
    }

    private static AuditRecord Read(CborReader reader)
    {
        var count = reader.ReadStartMap();
        if (count != FieldCount)
        {
            throw new FormatException($"a map of {FieldCount} fields expected, found {(count is null ? "an indefinite-length map" : count.ToString())}");
        }

        Key(reader, 0);
        var version = reader.ReadUInt64();
        if (version != Version)
        {
            throw new FormatException($"version {version} is not {Version}");
        }

        Key(reader, 1);
        var idBytes = reader.ReadByteString();
        if (idBytes.Length != 16)
        {
            throw new FormatException($"the id is {idBytes.Length} bytes, not 16");
        }

        var id = new Guid(idBytes, bigEndian: true);
        Key(reader, 2);
        var milliseconds = reader.ReadUInt64();
        if (milliseconds > (ulong)DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            throw new FormatException("the time is out of range");
        }

        Key(reader, 3);
        var actionName = reader.ReadTextString();
        if (!AuditWireNames.TryParseAction(actionName, out var action))
        {
            throw new FormatException($"'{actionName}' is not an action");
        }

        Key(reader, 4);
        var outcomeName = reader.ReadTextString();
        if (!AuditWireNames.TryParseOutcome(outcomeName, out var outcome))
        {
            throw new FormatException($"'{outcomeName}' is not an outcome");
        }

        Key(reader, 5);
        var subject = reader.ReadTextString();
        Key(reader, 6);
        var roleName = reader.ReadTextString();
        if (!CareLedgerRoles.TryParseRecorded(roleName, out var role))
        {
            throw new FormatException($"'{roleName}' is not a role");
        }

        Key(reader, 7);
        var reference = ReadOptionalText(reader);
        Key(reader, 8);
        var organisation = ReadOptionalText(reader);
        Key(reader, 9);
        var purpose = reader.ReadTextString();
        Key(reader, 10);
        byte[]? patient = null;
        if (reader.PeekState() == CborReaderState.Null)
        {
            reader.ReadNull();
        }
        else
        {
            patient = reader.ReadByteString();
        }

        Key(reader, 11);
        var resourceType = ReadOptionalText(reader);
        Key(reader, 12);
        var resourceId = ReadOptionalText(reader);
        Key(reader, 13);
        var disclosed = checked((int)reader.ReadUInt32());
        Key(reader, 14);
        var withheld = checked((int)reader.ReadUInt32());
        Key(reader, 15);
        var breakGlass = reader.ReadBoolean();
        Key(reader, 16);
        var reasonCount = reader.ReadStartArray();
        if (reasonCount is null or > MaxReasons)
        {
            throw new FormatException($"the reasons must be a definite-length array of at most {MaxReasons}");
        }

        var reasons = new string[reasonCount.Value];
        for (var i = 0; i < reasons.Length; i++)
        {
            reasons[i] = reader.ReadTextString();
        }

        reader.ReadEndArray();
        Key(reader, 17);
        var detail = ReadOptionalText(reader);
        Key(reader, 18);
        var requestId = ReadOptionalText(reader);
        reader.ReadEndMap();
        return new AuditRecord(
            id,
            DateTimeOffset.FromUnixTimeMilliseconds((long)milliseconds),
            action,
            outcome,
            subject,
            role,
            reference,
            organisation,
            purpose,
            patient,
            resourceType,
            resourceId,
            disclosed,
            withheld,
            breakGlass,
            reasons,
            detail,
            requestId);
    }

    private static void Key(CborReader reader, uint expected)
    {
        var key = reader.ReadUInt64();
        if (key != expected)
        {
            throw new FormatException($"key {expected} expected, found {key}");
        }
    }

    private static string? ReadOptionalText(CborReader reader)
    {
        if (reader.PeekState() == CborReaderState.Null)
        {
            reader.ReadNull();
            return null;
        }

        return reader.ReadTextString();
    }
}
