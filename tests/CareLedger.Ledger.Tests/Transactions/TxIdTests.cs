using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Tests.Transactions;

public class TxIdTests
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public void A_new_id_is_a_uuid_version_7_carrying_the_time_in_milliseconds()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_123_456);

        var id = TxId.NewId(new FixedClock(now));
        var bytes = id.ToArray();

        Assert.Equal(0x70, bytes[6] & 0xF0);
        Assert.Equal(0x80, bytes[8] & 0xC0);
        Assert.Equal(now.ToUnixTimeMilliseconds(), id.UnixTimeMilliseconds);
        Assert.Equal(7, Guid.Parse(id.ToString()).Version);
    }

    [Fact]
    public void Ids_sort_by_time_and_are_unique()
    {
        var earlier = TxId.NewId(new FixedClock(DateTimeOffset.FromUnixTimeMilliseconds(1_000)));
        var later = TxId.NewId(new FixedClock(DateTimeOffset.FromUnixTimeMilliseconds(1_001)));
        var ids = Enumerable.Range(0, 1000).Select(_ => TxId.NewId(TimeProvider.System)).ToHashSet();

        Assert.True(earlier < later);
        Assert.Equal(1000, ids.Count);
    }

    [Fact]
    public void Text_forms_round_trip()
    {
        var id = TxId.NewId(TimeProvider.System);
        var text = id.ToString();

        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", text);
        Assert.Equal(id, TxId.Parse(text));
        Assert.Equal(id, TxId.Parse(text.Replace("-", "", StringComparison.Ordinal)));
        Assert.Equal(id, TxId.FromBytes(id.ToArray()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-an-id")]
    [InlineData("01936b2a7c007abc8def0123456789a")]
    [InlineData("01936b2a-7c00-7abc-8def_0123456789ab")]
    [InlineData("01936b2a-7c00-7abc-8def-0123456789ag")]
    public void Malformed_text_is_refused(string text)
    {
        Assert.False(TxId.TryParse(text, out _));
        Assert.Throws<FormatException>(() => TxId.Parse(text));
    }
}
