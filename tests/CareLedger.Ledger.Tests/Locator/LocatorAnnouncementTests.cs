using System.Formats.Cbor;
using System.Security.Cryptography;
using CareLedger.Ledger.Locator;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Tests.Locator;

public class LocatorAnnouncementTests
{
    private static byte[] Pseudonym(byte fill) => Enumerable.Repeat(fill, LocatorAnnouncement.PseudonymLength).ToArray();

    [Fact]
    public void An_announcement_round_trips_through_its_anchor()
    {
        var announcement = new LocatorAnnouncement("https://member-a.example/fhir", LocatorAnnouncement.Ordered([Pseudonym(0x22), Pseudonym(0x11), Pseudonym(0x22)]));

        var anchor = AnchorPayload.Decode(announcement.ToAnchor().Encode());
        var decoded = LocatorAnnouncement.FromAnchor(anchor);

        Assert.NotNull(decoded);
        Assert.Equal(LocatorAnnouncement.AnchorKind, anchor.Kind);
        Assert.Equal(SHA256.HashData(anchor.Context), anchor.Digest);
        Assert.Equal("https://member-a.example/fhir", decoded.FhirBase);
        Assert.Equal([Pseudonym(0x11), Pseudonym(0x22)], decoded.Patients);
        Assert.Equal(announcement.Encode(), decoded.Encode());
    }

    [Fact]
    public void Unordered_repeated_or_short_pseudonyms_and_bad_addresses_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new LocatorAnnouncement("https://a.example/fhir", [Pseudonym(2), Pseudonym(1)]).Encode());
        Assert.Throws<ArgumentException>(() => new LocatorAnnouncement("https://a.example/fhir", [Pseudonym(1), Pseudonym(1)]).Encode());
        Assert.Throws<ArgumentException>(() => new LocatorAnnouncement("https://a.example/fhir", [new byte[16]]).Encode());
        Assert.Throws<ArgumentException>(() => new LocatorAnnouncement("https://a.example/fhir", []).Encode());
        Assert.Throws<ArgumentException>(() => new LocatorAnnouncement("ftp://a.example/fhir", [Pseudonym(1)]).Encode());
        Assert.Throws<ArgumentException>(() => new LocatorAnnouncement("https://a.example/fhir?x=1", [Pseudonym(1)]).Encode());
    }

    [Fact]
    public void A_non_canonical_or_tampered_context_is_no_announcement()
    {
        var announcement = new LocatorAnnouncement("https://a.example/fhir", [Pseudonym(1)]);
        var context = announcement.Encode();

        // Another anchor kind, a digest that does not match, and descending pseudonyms written by hand.
        Assert.Null(LocatorAnnouncement.FromAnchor(new AnchorPayload("audit-batch", SHA256.HashData(context), context)));
        Assert.Null(LocatorAnnouncement.FromAnchor(new AnchorPayload(LocatorAnnouncement.AnchorKind, new byte[32], context)));
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartMap(2);
        writer.WriteUInt32(1);
        writer.WriteTextString("https://a.example/fhir");
        writer.WriteUInt32(2);
        writer.WriteStartArray(2);
        writer.WriteByteString(Pseudonym(2));
        writer.WriteByteString(Pseudonym(1));
        writer.WriteEndArray();
        writer.WriteEndMap();
        var descending = writer.Encode();
        Assert.Throws<InvalidTransactionException>(() => LocatorAnnouncement.Decode(descending));
        Assert.Null(LocatorAnnouncement.FromAnchor(new AnchorPayload(LocatorAnnouncement.AnchorKind, SHA256.HashData(descending), descending)));
    }
}
