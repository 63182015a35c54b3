using CareLedger.Ledger.Log;

namespace CareLedger.Ledger.Tests.Log;

/// <summary>Cutting the log's tail (a consortium member's rollback, ADR 0005): durable, across segments, and appendable after.</summary>
public sealed class FileLogTruncateTests
{
    [Theory]
    [InlineData(100, 97)]
    [InlineData(100, 40)]
    [InlineData(100, 1)]
    [InlineData(100, 0)]
    public void A_truncated_log_keeps_exactly_its_prefix_across_a_reopen_and_takes_new_records_after_it(long filled, long kept)
    {
        using var directory = new TestLogDirectory();
        var options = directory.Options with { SegmentBytes = 1024 };
        directory.Fill(filled, options);
        Assert.True(directory.SegmentPaths().Length > 3);

        using (var log = FileLog.Open(options, out _))
        {
            log.TruncateTo(kept);
            Assert.Equal(kept, log.Count);
            Assert.Equal(kept, log.FlushedCount);
            Assert.Throws<ArgumentOutOfRangeException>(() => log.Read(kept));
            Assert.Equal(kept, log.Append([0xAB, 0xCD]));
            log.Flush();
            Assert.Equal([0xAB, 0xCD], log.Read(kept));
        }

        using var reopened = FileLog.Open(options, out var report);
        Assert.Equal(0, report.TornBytesTruncated);
        Assert.Equal(kept + 1, reopened.Count);
        var entries = reopened.ReadFrom(0).ToList();
        for (var i = 0; i < kept; i++)
        {
            Assert.Equal(TestLogDirectory.PayloadFor(i), entries[i].Payload.ToArray());
        }

        Assert.Equal([0xAB, 0xCD], entries[^1].Payload.ToArray());
    }

    [Fact]
    public void A_log_is_never_cut_beyond_its_end()
    {
        using var directory = new TestLogDirectory();
        directory.Fill(5);
        using var log = FileLog.Open(directory.Options, out _);

        Assert.Throws<ArgumentOutOfRangeException>(() => log.TruncateTo(6));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.TruncateTo(-1));
        log.TruncateTo(5);
        Assert.Equal(5, log.Count);
    }
}
