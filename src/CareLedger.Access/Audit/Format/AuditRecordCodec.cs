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
        var writer = NewWriter();
        Write(writer, record);
        return writer.Encode();
    }

    /// <summary>A writer for <see cref="Write"/>, to be reused (after <see cref="CborWriter.Reset"/>) across records.</summary>
    /// <remarks>
    /// Lax, not Canonical: the canonical mode sorts and checks the map's keys at its end, work that
    /// <see cref="Write"/> makes needless by writing the keys in ascending order, integers in their shortest form and
    /// every length definite. Lone surrogates, which a lax writer would replace, are refused by <see cref="Problem"/>
    /// first. The frozen bytes in the codec's tests hold both writers to the same output.
    /// </remarks>
    public static CborWriter NewWriter() => new(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false);

    /// <summary>Writes the record's canonical bytes to an empty <paramref name="writer"/> made by <see cref="NewWriter"/>.</summary>
    /// <exception cref="ArgumentException">The record cannot be kept as it is (the message names the field).</exception>
    public static void Write(CborWriter writer, AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (Problem(record) is { } problem)
        {
            throw new ArgumentException($"audit record {record.Id}: {problem}", nameof(record));
        }

        Span<byte> id = stackalloc byte[16];
        record.Id.TryWriteBytes(id, bigEndian: true, out _);
        writer.WriteStartMap(FieldCount);
        writer.WriteUInt32(0);
        writer.WriteUInt32(Version);
        writer.WriteUInt32(1);
        writer.WriteByteString(id);
        writer.WriteUInt32(2);
        writer.WriteUInt64((ulong)record.Time.ToUnixTimeMilliseconds());
        writer.WriteUInt32(3);
        writer.WriteTextString(AuditWireNames.ToName(record.Action));
        writer.WriteUInt32(4);
        writer.WriteTextString(AuditWireNames.ToName(record.Outcome));
        writer.WriteUInt32(5);
        writer.WriteTextString(record.AccessorSubject);
        writer.WriteUInt32(6);
        writer.WriteTextString(record.AccessorRole.ToName());
        writer.WriteUInt32(7);
        WriteOptional(writer, record.AccessorReference);
        writer.WriteUInt32(8);
        WriteOptional(writer, record.Organisation);
        writer.WriteUInt32(9);
        writer.WriteTextString(record.Purpose);
        writer.WriteUInt32(10);
        if (record.Patient is null)
        {
            writer.WriteNull();
        }
        else
        {
            writer.WriteByteString(record.Patient);
        }

        writer.WriteUInt32(11);
        WriteOptional(writer, record.ResourceType);
        writer.WriteUInt32(12);
        WriteOptional(writer, record.ResourceId);
        writer.WriteUInt32(13);
        writer.WriteUInt32((uint)record.Disclosed);
        writer.WriteUInt32(14);
        writer.WriteUInt32((uint)record.Withheld);
        writer.WriteUInt32(15);
        writer.WriteBoolean(record.BreakGlass);
        writer.WriteUInt32(16);
        var reasons = record.Reasons;
        writer.WriteStartArray(reasons.Count);
        for (var i = 0; i < reasons.Count; i++)
        {
            writer.WriteTextString(reasons[i]);
        }

        writer.WriteEndArray();
        writer.WriteUInt32(17);
        WriteOptional(writer, record.Detail);
        writer.WriteUInt32(18);
        WriteOptional(writer, record.RequestId);
        writer.WriteEndMap();
    }

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

    private static void WriteOptional(CborWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNull();
        }
        else
        {
            writer.WriteTextString(value);
        }
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
