using System.Security.Cryptography;
using CareLedger.Ledger.Locator;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Tests.Locator;

public class LocatorRetractionTests
{
    private static byte[] Pseudonym(byte fill) => Enumerable.Repeat(fill, LocatorAnnouncement.PseudonymLength).ToArray();

    [Fact]
    public void A_retraction_round_trips_through_its_anchor()
    {
        var retraction = new LocatorRetraction(LocatorAnnouncement.Ordered([Pseudonym(0x33), Pseudonym(0x11)]));

        var anchor = AnchorPayload.Decode(retraction.ToAnchor().Encode());
        var decoded = LocatorRetraction.FromAnchor(anchor);

        Assert.NotNull(decoded);
        Assert.Equal(LocatorRetraction.AnchorKind, anchor.Kind);
        Assert.Equal(SHA256.HashData(anchor.Context), anchor.Digest);
        Assert.Equal([Pseudonym(0x11), Pseudonym(0x33)], decoded.Patients);
        Assert.Equal(retraction.Encode(), decoded.Encode());
    }

    [Fact]
    public void Unordered_repeated_short_or_no_pseudonyms_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new LocatorRetraction([Pseudonym(2), Pseudonym(1)]).Encode());
        Assert.Throws<ArgumentException>(() => new LocatorRetraction([Pseudonym(1), Pseudonym(1)]).Encode());
        Assert.Throws<ArgumentException>(() => new LocatorRetraction([new byte[31]]).Encode());
        Assert.Throws<ArgumentException>(() => new LocatorRetraction([]).Encode());
        Assert.Throws<ArgumentException>(() => new LocatorRetraction([.. Enumerable.Range(0, LocatorAnnouncement.MaxPatients + 1).Select(i => SHA256.HashData(BitConverter.GetBytes(i)))]).Encode());
    }

    [Fact]
    public void A_retraction_is_never_read_as_an_announcement_nor_the_other_way_round()
    {
        var retraction = new LocatorRetraction([Pseudonym(1)]).ToAnchor();
        var announcement = new LocatorAnnouncement("https://a.example/fhir", [Pseudonym(1)]).ToAnchor();

        Assert.Null(LocatorAnnouncement.FromAnchor(retraction));
        Assert.Null(LocatorRetraction.FromAnchor(announcement));
        // The announcement's encoding under the retraction's kind is no retraction either.
        Assert.Null(LocatorRetraction.FromAnchor(new AnchorPayload(LocatorRetraction.AnchorKind, announcement.Digest, announcement.Context)));
        Assert.Null(LocatorRetraction.FromAnchor(new AnchorPayload(LocatorRetraction.AnchorKind, new byte[32], retraction.Context)));
    }
}
