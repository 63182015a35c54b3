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
}
