using System.Formats.Cbor;
using CareLedger.Access.Store;
using CareLedger.Consent.Model;
using CareLedger.Consent.Requests;

namespace CareLedger.Access.Delegation;

/// <summary>
/// The canonical records of a delegation (format 1), stored in access.db as written and anchored as salted commitments.
/// Deterministic CBOR arrays:
/// grant <c>[1, "delegation-grant", id (bstr 16, big-endian), delegate reference, patient pseudonym (bstr 16), kind, source,
/// recorded (Unix ms), scope]</c> with scope <c>[period start, period end, actions, classes]</c>, an instant being
/// <c>[UTC ticks, offset minutes]</c> or null, a coding list <c>[[system, code], ...]</c>;
/// revocation <c>[1, "delegation-revoke", id, revoked (Unix ms)]</c>.
/// Instants of the scope keep ticks and offset, so the scope reads back exactly as the patient or court gave it.
/// </summary>
internal static class DelegationRecordFormat
{
    private const int Format = 1;
    private const string GrantType = "delegation-grant";
    private const string RevokeType = "delegation-revoke";
    private const string Name = "delegation record";

    public static byte[] EncodeGrant(DelegationGrant grant)
    {
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartArray(9);
        writer.WriteInt32(Format);
        writer.WriteTextString(GrantType);
        writer.WriteByteString(grant.Id.Bytes());
        writer.WriteTextString(grant.DelegateReference);
        writer.WriteByteString(grant.Patient);
        writer.WriteInt32((int)grant.Kind);
        writer.WriteInt32((int)grant.Source);
        writer.WriteInt64(grant.RecordedAt.ToUnixTimeMilliseconds());
        writer.WriteStartArray(4);
        WriteInstant(writer, grant.Scope.Period.Start);
        WriteInstant(writer, grant.Scope.Period.End);
        WriteCodings(writer, grant.Scope.Actions);
        WriteCodings(writer, grant.Scope.Classes);
        writer.WriteEndArray();
        writer.WriteEndArray();
        return writer.Encode();
    }

    public static byte[] EncodeRevocation(Guid id, DateTimeOffset revokedAt)
    {
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartArray(4);
        writer.WriteInt32(Format);
        writer.WriteTextString(RevokeType);
        writer.WriteByteString(id.Bytes());
        writer.WriteInt64(revokedAt.ToUnixTimeMilliseconds());
        writer.WriteEndArray();
        return writer.Encode();
    }

    /// <exception cref="InvalidDataException">the bytes are not a format-1 grant record.</exception>
    public static DelegationGrant DecodeGrant(byte[] record)
    {
        try
        {
            var reader = new CborReader(record, CborConformanceMode.Canonical);
            ExpectArray(reader, 9);
            if (reader.ReadInt32() != Format || reader.ReadTextString() != GrantType)
            {
                throw new InvalidDataException($"{Name}: not a format {Format} {GrantType}");
            }

            var id = new Guid(reader.ReadByteString(), bigEndian: true);
            var delegateReference = reader.ReadTextString();
            var patient = reader.ReadByteString();
            var kind = (DelegateKind)reader.ReadInt32();
            var source = (DelegationSource)reader.ReadInt32();
            var recordedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.ReadInt64());
            ExpectArray(reader, 4);
            var scope = new DelegationScope
            {
                Period = new Period(ReadInstant(reader), ReadInstant(reader)),
                Actions = ReadCodings(reader),
                Classes = ReadCodings(reader),
            };
            reader.ReadEndArray();
            reader.ReadEndArray();
            if (reader.BytesRemaining != 0)
            {
                throw new InvalidDataException($"{Name}: {reader.BytesRemaining} bytes after the record");
            }

            return new DelegationGrant(id, delegateReference, patient, kind, scope, source, recordedAt);
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"{Name}: {e.Message}", e);
        }
    }

    private static void WriteInstant(CborWriter writer, DateTimeOffset? instant)
    {
        if (instant is not { } value)
        {
            writer.WriteNull();
            return;
        }

        writer.WriteStartArray(2);
        writer.WriteInt64(value.UtcTicks);
        writer.WriteInt32((int)value.Offset.TotalMinutes);
        writer.WriteEndArray();
    }

    private static DateTimeOffset? ReadInstant(CborReader reader)
    {
        if (reader.PeekState() == CborReaderState.Null)
        {
            reader.ReadNull();
            return null;
        }

        ExpectArray(reader, 2);
        var utcTicks = reader.ReadInt64();
        var offset = TimeSpan.FromMinutes(reader.ReadInt32());
        reader.ReadEndArray();
        return new DateTimeOffset(utcTicks + offset.Ticks, offset);
    }

    private static void WriteCodings(CborWriter writer, IReadOnlyList<Coding> codings)
    {
        writer.WriteStartArray(codings.Count);
        foreach (var coding in codings)
        {
            writer.WriteStartArray(2);
            writer.WriteTextString(coding.System);
            writer.WriteTextString(coding.Code);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }

    private static Coding[] ReadCodings(CborReader reader)
    {
        var count = reader.ReadStartArray() ?? throw new InvalidDataException($"{Name}: an indefinite-length coding list");
        var codings = new Coding[count];
        for (var i = 0; i < count; i++)
        {
            ExpectArray(reader, 2);
            codings[i] = new Coding(reader.ReadTextString(), reader.ReadTextString());
            reader.ReadEndArray();
        }

        reader.ReadEndArray();
        return codings;
    }

    private static void ExpectArray(CborReader reader, int length)
    {
        if (reader.ReadStartArray() != length)
        {
            throw new InvalidDataException($"{Name}: expected an array of {length}");
        }
    }
}
