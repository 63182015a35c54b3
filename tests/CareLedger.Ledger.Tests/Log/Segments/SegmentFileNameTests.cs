using CareLedger.Ledger.Log.Segments;

namespace CareLedger.Ledger.Tests.Log.Segments;

public class SegmentFileNameTests
{
    [Fact]
    public void Names_sort_lexically_in_log_order()
    {
        long[] firstIndexes = [0, 9, 10, 99, 100, 4021, 1_000_000, long.MaxValue];
        var names = firstIndexes.Select(SegmentFileName.For).ToArray();

        Assert.Equal(names, names.Order(StringComparer.Ordinal));
        Assert.Equal("00000000000000004021.seg", SegmentFileName.For(4021));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(4021L)]
    [InlineData(long.MaxValue)]
    public void Can_round_trip(long firstIndex)
    {
        Assert.True(SegmentFileName.TryParse(SegmentFileName.For(firstIndex), out var parsed));
        Assert.Equal(firstIndex, parsed);
    }

    [Theory]
    [InlineData("4021.seg")]
    [InlineData("0000000000000000402a.seg")]
    [InlineData("00000000000000004021.seg.tmp")]
    [InlineData("99999999999999999999.seg")]
    [InlineData("00000000000000004021.log")]
    public void Other_names_are_not_segments(string fileName)
    {
        Assert.False(SegmentFileName.TryParse(fileName, out _));
    }
}
