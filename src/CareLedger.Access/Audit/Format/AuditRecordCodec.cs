using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Text;
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
    /// <remarks>
    /// Written straight into the span, one CBOR head and value after another: the door writes a record on every read, and
    /// a <see cref="CborWriter"/>, with its checks of each item against the open map and its own buffer copied out at
    /// the end, cost several times this. Canonical by construction (RFC 8949 §4.2.1): the keys in ascending order, every
    /// integer and length in its shortest form, every length definite. The frozen bytes in the codec's tests, and a test
    /// against <see cref="CborWriter"/> in its canonical mode over many generated records, hold it to that.
    /// </remarks>
    public static int Write(AuditRecord record, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(record);
        var at = 0;
        destination[at++] = MajorMap | FieldCount;
        destination[at++] = 0;
        destination[at++] = Version;
        destination[at++] = 1;
        destination[at++] = MajorBytes | 16;
        record.Id.TryWriteBytes(destination.Slice(at, 16), bigEndian: true, out _);
        at += 16;
        destination[at++] = 2;
        at += WriteHead(destination[at..], MajorUnsigned, (ulong)record.Time.ToUnixTimeMilliseconds());
        destination[at++] = 3;
        at += WriteText(destination[at..], AuditWireNames.ToName(record.Action));
        destination[at++] = 4;
        at += WriteText(destination[at..], AuditWireNames.ToName(record.Outcome));
        destination[at++] = 5;
        at += WriteText(destination[at..], record.AccessorSubject);
        destination[at++] = 6;
        at += WriteText(destination[at..], record.AccessorRole.ToName());
        destination[at++] = 7;
        at += WriteText(destination[at..], record.AccessorReference);
        destination[at++] = 8;
        at += WriteText(destination[at..], record.Organisation);
        destination[at++] = 9;
        at += WriteText(destination[at..], record.Purpose);
        destination[at++] = 10;
        if (record.Patient is null)
        {
            destination[at++] = Null;
        }
        else
        {
            at += WriteHead(destination[at..], MajorBytes, (ulong)record.Patient.Length);
            record.Patient.CopyTo(destination[at..]);
            at += record.Patient.Length;
        }

        destination[at++] = 11;
        at += WriteText(destination[at..], record.ResourceType);
        destination[at++] = 12;
        at += WriteText(destination[at..], record.ResourceId);
        destination[at++] = 13;
        at += WriteHead(destination[at..], MajorUnsigned, (ulong)record.Disclosed);
        destination[at++] = 14;
        at += WriteHead(destination[at..], MajorUnsigned, (ulong)record.Withheld);
        destination[at++] = 15;
        destination[at++] = record.BreakGlass ? True : False;
        destination[at++] = 16;
        var reasons = record.Reasons;
        at += WriteHead(destination[at..], MajorArray, (ulong)reasons.Count);
        for (var i = 0; i < reasons.Count; i++)
        {
            at += WriteText(destination[at..], reasons[i]);
        }

        destination[at++] = 17;
        at += WriteText(destination[at..], record.Detail);
        destination[at++] = 18;
        at += WriteText(destination[at..], record.RequestId);
        return at;
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

        var bytes = Utf8.GetByteCount(value);
        return HeadLength((ulong)bytes) + bytes;
    }

    private static int WriteText(Span<byte> destination, string? value)
    {
        if (value is null)
        {
            destination[0] = Null;
            return 1;
        }

        var bytes = Utf8.GetByteCount(value);
        var head = WriteHead(destination, MajorText, (ulong)bytes);
        return head + Utf8.GetBytes(value, destination[head..]);
    }

    /// <summary>UTF-8 that throws rather than replace: a record that is not valid text is never written.</summary>
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

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

        if (record.Reasons is null || record.Reasons.Count > MaxReasons)
        {
            return $"the reasons must be a list of at most {MaxReasons}";
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
