using System.Formats.Cbor;
using CareLedger.Access.Audit;
using CareLedger.Access.Audit.Format;
using CareLedger.Access.Callers;
using CareLedger.Access.Gate;

namespace CareLedger.Access.Tests.Audit;

public class AuditRecordCodecTests
{
    private static readonly AuditRecord Fixed = new(
        Guid.Parse("01936b2e-1c00-7000-8000-000000000001"),
        DateTimeOffset.FromUnixTimeMilliseconds(1_764_028_800_123),
        AccessAction.Search,
        AuditOutcome.Permit,
        "acct-1",
        CareLedgerRole.Clinician,
        "Practitioner/1",
        null,
        "TREAT",
        Enumerable.Range(0, 16).Select(i => (byte)i).ToArray(),
        "Observation",
        null,
        Disclosed: 2,
        Withheld: 1,
        BreakGlass: false,
        ["care team"],
        "search Observation",
        null);

    [Fact]
    public void The_canonical_bytes_of_a_record_are_frozen()
    {
        // docs/receipts.md, "Audit receipts": a CBOR map of 19 keys 0..18; changing this breaks every stored commitment.
        Assert.Equal(
            "b3" // map of 19
            + "0001" // 0: version 1
            + "01" + "50" + "01936b2e1c0070008000000000000001" // 1: id, 16 bytes (RFC 9562 byte order)
            + "02" + "1b0000019ab84f5c7b" // 2: time 1764028800123 (Unix ms)
            + "03" + "66" + "736561726368" // 3: "search"
            + "04" + "66" + "7065726d6974" // 4: "permit"
            + "05" + "66" + "616363742d31" // 5: "acct-1"
            + "06" + "69" + "636c696e696369616e" // 6: "clinician"
            + "07" + "6e" + "50726163746974696f6e65722f31" // 7: "Practitioner/1"
            + "08" + "f6" // 8: organisation null
            + "09" + "65" + "5452454154" // 9: "TREAT"
            + "0a" + "50" + "000102030405060708090a0b0c0d0e0f" // 10: patient pseudonym, 16 bytes
            + "0b" + "6b" + "4f62736572766174696f6e" // 11: "Observation"
            + "0c" + "f6" // 12: resource id null
            + "0d02" + "0e01" // 13: disclosed 2, 14: withheld 1
            + "0f" + "f4" // 15: break-glass false
            + "10" + "81" + "69" + "63617265207465616d" // 16: ["care team"]
            + "11" + "72" + "736561726368204f62736572766174696f6e" // 17: "search Observation"
            + "12" + "f6", // 18: request id null
            Convert.ToHexStringLower(AuditRecordCodec.Encode(Fixed)));
    }

    [Fact]
    public void A_record_round_trips_through_its_canonical_bytes()
    {
        var decoded = AuditRecordCodec.Decode(AuditRecordCodec.Encode(Fixed));

        Assert.Equal(Fixed.Id, decoded.Id);
        Assert.Equal(Fixed.Time, decoded.Time);
        Assert.Equal(Fixed.Action, decoded.Action);
        Assert.Equal(Fixed.AccessorRole, decoded.AccessorRole);
        Assert.Null(decoded.Organisation);
        Assert.Null(decoded.ResourceId);
        Assert.Equal(Fixed.Patient, decoded.Patient);
        Assert.Equal(Fixed.Reasons, decoded.Reasons);
        Assert.Equal((2, 1), (decoded.Disclosed, decoded.Withheld));
        Assert.Equal(AuditRecordCodec.Encode(Fixed), AuditRecordCodec.Encode(decoded));
    }

    [Fact]
    public void A_refusal_of_an_unauthenticated_request_round_trips_with_the_anonymous_role()
    {
        var refusal = Fixed with
        {
            Outcome = AuditOutcome.Deny,
            AccessorSubject = Accessor.AnonymousSubject,
            AccessorRole = CareLedgerRole.Anonymous,
            AccessorReference = null,
            Purpose = "HSYSADMIN",
            Reasons = ["not authenticated: the access token was rejected"],
            Detail = "GET /fhir/{type}/{id}",
        };

        var bytes = AuditRecordCodec.Encode(refusal);

        Assert.Contains("69616e6f6e796d6f7573", Convert.ToHexStringLower(bytes), StringComparison.Ordinal); // "anonymous"
        Assert.Equal(CareLedgerRole.Anonymous, AuditRecordCodec.Decode(bytes).AccessorRole);
    }

    [Fact]
    public void No_account_or_token_can_carry_the_anonymous_role()
    {
        Assert.False(CareLedgerRoles.TryParse("anonymous", out _));
        Assert.True(CareLedgerRoles.TryParseRecorded("anonymous", out var recorded));
        Assert.Equal(CareLedgerRole.Anonymous, recorded);
        Assert.DoesNotContain(CareLedgerRole.Anonymous, CareLedgerRoles.People);
    }

    [Fact]
    public void The_time_is_kept_to_the_millisecond()
    {
        var precise = Fixed with { Time = new DateTimeOffset(2026, 11, 25, 8, 30, 0, 123, TimeSpan.FromHours(2)).AddTicks(4567) };

        var decoded = AuditRecordCodec.Decode(AuditRecordCodec.Encode(precise));

        Assert.Equal(new DateTimeOffset(2026, 11, 25, 6, 30, 0, 123, TimeSpan.Zero), decoded.Time);
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        byte[] bytes = [.. AuditRecordCodec.Encode(Fixed), 0x00];

        Assert.Contains("1 bytes after the end", Assert.Throws<FormatException>(() => AuditRecordCodec.Decode(bytes)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_canonical_encoding_of_the_same_record_is_refused()
    {
        var canonical = AuditRecordCodec.Encode(Fixed);
        var reader = new CborReader(canonical);
        var writer = new CborWriter(CborConformanceMode.Lax);
        reader.ReadStartMap();
        writer.WriteStartMap(19);
        // The version written as a two-byte integer: the same value, not the shortest form.
        reader.ReadUInt32();
        writer.WriteUInt32(0);
        reader.ReadUInt32();
        writer.WriteEncodedValue(new byte[] { 0x18, 0x01 });
        while (reader.PeekState() != CborReaderState.EndMap)
        {
            writer.WriteEncodedValue(reader.ReadEncodedValue().Span);
        }

        reader.ReadEndMap();
        writer.WriteEndMap();

        var error = Assert.Throws<FormatException>(() => AuditRecordCodec.Decode(writer.Encode()));
        Assert.Contains("canonical", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_action_name_is_refused_by_name()
    {
        var hex = Convert.ToHexStringLower(AuditRecordCodec.Encode(Fixed));
        var tampered = Convert.FromHexString(hex.Replace("03667365617263", "03667365617264", StringComparison.Ordinal));

        Assert.Contains("'seardh' is not an action", Assert.Throws<FormatException>(() => AuditRecordCodec.Decode(tampered)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_is_not_unicode_is_refused_before_it_reaches_the_trail()
    {
        Assert.Equal("the detail is not valid Unicode text", AuditRecordCodec.Problem(Fixed with { Detail = "a\uD800b" }));
        Assert.Null(AuditRecordCodec.Problem(Fixed with { Detail = "emoji \U0001F600 ok" }));
    }

    [Fact]
    public void The_direct_writer_writes_what_a_canonical_cbor_writer_writes_for_every_shape_of_record()
    {
        // An independent encoder of the same format: System.Formats.Cbor in its canonical mode (RFC 8949 §4.2), which
        // checks key order and shortest forms itself. Records cover every head length the fields can reach (times and
        // counts at 23/24, 255/256, 65,535/65,536 and 2^32 boundaries, texts of 1 to 3,072 UTF-8 bytes, 0 to 64 reasons),
        // absent and present optional fields, and text in one to four bytes per character.
        var random = new Random(20261206);
        ulong[] boundaries = [0, 1, 23, 24, 255, 256, 65_535, 65_536, uint.MaxValue, (ulong)uint.MaxValue + 1];
        for (var n = 0; n < 2_000; n++)
        {
            var record = GeneratedRecord(random, boundaries);

            var expected = CanonicalReference(record);
            var length = AuditRecordCodec.Length(record);
            var written = new byte[length + 8];
            var count = AuditRecordCodec.Write(record, written);

            Assert.Equal(expected.Length, length);
            Assert.Equal(length, count);
            Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(written.AsSpan(0, count)));
            Assert.Equal(expected, AuditRecordCodec.Encode(AuditRecordCodec.Decode(expected)));

            // The single pass the trail queues with: into a larger buffer, the same bytes; one byte short, refused.
            var roomy = new byte[length + 64];
            Assert.True(AuditRecordCodec.TryWrite(record, roomy, out var roomyCount));
            Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(roomy.AsSpan(0, roomyCount)));
            Assert.False(AuditRecordCodec.TryWrite(record, new byte[length - 1], out _));
        }
    }

    [Fact]
    public void The_single_pass_refuses_every_record_that_the_checks_refuse()
    {
        AuditRecord[] refused =
        [
            Fixed with { Id = Guid.Empty },
            Fixed with { Time = DateTimeOffset.FromUnixTimeMilliseconds(-1) },
            Fixed with { Action = (AccessAction)99 },
            Fixed with { Outcome = (AuditOutcome)99 },
            Fixed with { AccessorRole = (CareLedgerRole)99 },
            Fixed with { Patient = new byte[15] },
            Fixed with { Disclosed = -1 },
            Fixed with { Withheld = -1 },
            Fixed with { Reasons = [.. Enumerable.Repeat("r", AuditRecordCodec.MaxReasons + 1)] },
            Fixed with { Reasons = ["ok", ""] },
            Fixed with { Reasons = ["lone \uDC00"] },
            Fixed with { AccessorSubject = null! },
            Fixed with { AccessorSubject = new string('s', AuditRecordCodec.MaxSubjectLength + 1) },
            Fixed with { AccessorReference = "" },
            Fixed with { Organisation = "high \uD800 alone" },
            Fixed with { Purpose = null! },
            Fixed with { Purpose = "" },
            Fixed with { ResourceType = new string('t', AuditRecordCodec.MaxShortTextLength + 1) },
            Fixed with { ResourceId = "ends high \uD800" },
            Fixed with { Detail = "a\uD800b" },
            Fixed with { Detail = new string('d', AuditRecordCodec.MaxTextLength + 1) },
            Fixed with { RequestId = "\uDC00" },
        ];
        foreach (var record in refused)
        {
            Assert.NotNull(AuditRecordCodec.Problem(record));
            Assert.False(AuditRecordCodec.TryWrite(record, new byte[4096], out var written));
            Assert.Equal(0, written);
            Assert.Throws<ArgumentException>(() => AuditRecordCodec.Write(record, new byte[4096]));
        }

        // Edge cases the pass keeps: a surrogate pair at a text's end, a text whose UTF-8 needs a longer head than its
        // UTF-16 length suggests (23 units, 46 bytes), and the longest texts.
        AuditRecord[] kept =
        [
            Fixed with { Detail = "pair \U0001F600" },
            Fixed with { Detail = new string('\u00e9', 23) },
            Fixed with { Detail = new string('\u20ac', AuditRecordCodec.MaxTextLength), Reasons = [.. Enumerable.Repeat("r", AuditRecordCodec.MaxReasons)] },
        ];
        foreach (var record in kept)
        {
            Assert.Null(AuditRecordCodec.Problem(record));
            var expected = CanonicalReference(record);
            var buffer = new byte[expected.Length + 3];
            Assert.True(AuditRecordCodec.TryWrite(record, buffer, out var written));
            Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(buffer.AsSpan(0, written)));
        }
    }

    [Fact]
    public void A_record_that_cannot_be_kept_is_refused_before_anything_is_written()
    {
        var error = Assert.Throws<ArgumentException>(() => AuditRecordCodec.Length(Fixed with { Disclosed = -1 }));

        Assert.Contains("must not be negative", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => AuditRecordCodec.Encode(Fixed with { Reasons = ["lone \uDC00"] }));
    }

    private static AuditRecord GeneratedRecord(Random random, ulong[] boundaries)
    {
        string? Optional(int maxLength) => random.Next(4) == 0 ? null : Text(random, maxLength);
        int Count() => (int)Math.Min(boundaries[random.Next(boundaries.Length)], int.MaxValue);
        var milliseconds = random.Next(3) == 0
            ? (long)boundaries[random.Next(boundaries.Length)]
            : random.NextInt64(0, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds());
        var actions = Enum.GetValues<AccessAction>();
        var roles = Enum.GetValues<CareLedgerRole>();
        return new AuditRecord(
            Guid.CreateVersion7(),
            DateTimeOffset.FromUnixTimeMilliseconds(milliseconds),
            actions[random.Next(actions.Length)],
            random.Next(2) == 0 ? AuditOutcome.Permit : AuditOutcome.Deny,
            Text(random, AuditRecordCodec.MaxSubjectLength),
            roles[random.Next(roles.Length)],
            Optional(AuditRecordCodec.MaxTextLength),
            Optional(AuditRecordCodec.MaxTextLength),
            Text(random, AuditRecordCodec.MaxShortTextLength),
            random.Next(3) == 0 ? null : RandomBytes(random, AuditRecordCodec.PseudonymLength),
            Optional(AuditRecordCodec.MaxShortTextLength),
            Optional(AuditRecordCodec.MaxShortTextLength),
            Count(),
            Count(),
            random.Next(2) == 0,
            [.. Enumerable.Range(0, random.Next(4) == 0 ? random.Next(AuditRecordCodec.MaxReasons + 1) : random.Next(3)).Select(_ => Text(random, AuditRecordCodec.MaxTextLength))],
            Optional(AuditRecordCodec.MaxTextLength),
            Optional(AuditRecordCodec.MaxShortTextLength));
    }

    /// <summary>Text of 1 to <paramref name="maxLength"/> characters: ASCII mostly, or two-, three- and four-byte UTF-8.</summary>
    private static string Text(Random random, int maxLength)
    {
        int[] lengths = [1, 22, 23, 24, 85, 86, 255, 256, maxLength];
        var length = Math.Min(random.Next(3) == 0 ? lengths[random.Next(lengths.Length)] : random.Next(1, 60), maxLength);
        var text = new System.Text.StringBuilder(length);
        var alphabet = random.Next(4);
        while (text.Length < length)
        {
            switch (alphabet == 0 ? random.Next(4) : 0)
            {
                case 0:
                    text.Append((char)random.Next(0x20, 0x7F));
                    break;
                case 1:
                    text.Append('\u00E9');
                    break;
                case 2:
                    text.Append('\u6F22');
                    break;
                default:
                    if (text.Length + 2 <= length)
                    {
                        text.Append("\U0001F600");
                    }

                    break;
            }
        }

        return text.ToString();
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] CanonicalReference(AuditRecord record)
    {
        var writer = new CborWriter(CborConformanceMode.Canonical, convertIndefiniteLengthEncodings: false);
        void Optional(string? value)
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

        writer.WriteStartMap(19);
        writer.WriteUInt32(0);
        writer.WriteUInt32(1);
        writer.WriteUInt32(1);
        writer.WriteByteString(record.Id.ToByteArray(bigEndian: true));
        writer.WriteUInt32(2);
        writer.WriteUInt64((ulong)record.Time.ToUnixTimeMilliseconds());
        writer.WriteUInt32(3);
        writer.WriteTextString(record.Action.ToString().ToLowerInvariant());
        writer.WriteUInt32(4);
        writer.WriteTextString(record.Outcome == AuditOutcome.Permit ? "permit" : "deny");
        writer.WriteUInt32(5);
        writer.WriteTextString(record.AccessorSubject);
        writer.WriteUInt32(6);
        writer.WriteTextString(record.AccessorRole.ToName());
        writer.WriteUInt32(7);
        Optional(record.AccessorReference);
        writer.WriteUInt32(8);
        Optional(record.Organisation);
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
        Optional(record.ResourceType);
        writer.WriteUInt32(12);
        Optional(record.ResourceId);
        writer.WriteUInt32(13);
        writer.WriteUInt64((ulong)record.Disclosed);
        writer.WriteUInt32(14);
        writer.WriteUInt64((ulong)record.Withheld);
        writer.WriteUInt32(15);
        writer.WriteBoolean(record.BreakGlass);
        writer.WriteUInt32(16);
        writer.WriteStartArray(record.Reasons.Count);
        foreach (var reason in record.Reasons)
        {
            writer.WriteTextString(reason);
        }

        writer.WriteEndArray();
        writer.WriteUInt32(17);
        Optional(record.Detail);
        writer.WriteUInt32(18);
        Optional(record.RequestId);
        writer.WriteEndMap();
        return writer.Encode();
    }
}
