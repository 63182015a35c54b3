using CareLedger.Ledger.Log;

namespace CareLedger.Ledger.Tests.Log;

public class FileLogTornTailTests
{
    private const int Records = 20;

    [Fact]
    public void A_cut_at_every_byte_of_the_last_record_recovers_the_records_before_it()
    {
        using var directory = new TestLogDirectory();
        directory.Fill(Records);
        var segment = directory.SegmentPaths().Single();
        var intact = File.ReadAllBytes(segment);
        var lastRecordStart = TestLogDirectory.RecordOffsets(segment)[^1];

        for (var cut = lastRecordStart; cut < intact.Length; cut++)
        {
            File.WriteAllBytes(segment, intact.AsSpan(0, (int)cut).ToArray());

            AssertRecoversTo(directory, Records - 1, tornBytes: cut - lastRecordStart, segment);
            Assert.Equal(lastRecordStart, new FileInfo(segment).Length);
            AssertAppendContinues(directory, Records - 1);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(300)]
    [InlineData(8192)]
    public void Trailing_garbage_is_cut_off(int garbageBytes)
    {
        using var directory = new TestLogDirectory();
        directory.Fill(Records);
        var segment = directory.SegmentPaths().Single();
        var garbage = new byte[garbageBytes];
        new Random(garbageBytes).NextBytes(garbage);
        AppendBytes(segment, garbage);

        AssertRecoversTo(directory, Records, garbageBytes, segment);
        AssertAppendContinues(directory, Records);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4096)]
    public void Trailing_zeros_are_cut_off(int zeroBytes)
    {
        using var directory = new TestLogDirectory();
        directory.Fill(Records);
        var segment = directory.SegmentPaths().Single();
        AppendBytes(segment, new byte[zeroBytes]);

        AssertRecoversTo(directory, Records, zeroBytes, segment);
        AssertAppendContinues(directory, Records);
    }

    [Fact]
    public void A_half_written_record_followed_by_zeros_is_cut_off()
    {
        using var directory = new TestLogDirectory();
        directory.Fill(Records);
        var segment = directory.SegmentPaths().Single();
        var intact = File.ReadAllBytes(segment);
        var lastRecordStart = TestLogDirectory.RecordOffsets(segment)[^1];
        var torn = intact.AsSpan(0, (int)lastRecordStart + 20).ToArray().Concat(new byte[4000]).ToArray();
        File.WriteAllBytes(segment, torn);

        AssertRecoversTo(directory, Records - 1, torn.Length - lastRecordStart, segment);
        AssertAppendContinues(directory, Records - 1);
    }

    [Fact]
    public void A_bad_checksum_on_the_very_last_record_is_a_torn_tail()
    {
        using var directory = new TestLogDirectory();
        directory.Fill(Records);
        var segment = directory.SegmentPaths().Single();
        var lastRecordStart = TestLogDirectory.RecordOffsets(segment)[^1];
        TestLogDirectory.FlipByte(segment, new FileInfo(segment).Length - 1);

        AssertRecoversTo(directory, Records - 1, new FileInfo(segment).Length - lastRecordStart, segment);
    }

    [Fact]
    public void Only_the_last_segment_is_cut_when_the_log_has_several()
    {
        using var directory = new TestLogDirectory();
        var options = directory.Options with { SegmentBytes = 1024 };
        directory.Fill(100, options);
        var segments = directory.SegmentPaths();
        var earlier = segments.SkipLast(1).Select(File.ReadAllBytes).ToList();
        AppendBytes(segments[^1], [1, 2, 3]);

        using (var log = FileLog.Open(options, out var report))
        {
            Assert.Equal(new LogRecoveryReport(100, segments.Length, 3, segments[^1]), report);
            Assert.Equal(TestLogDirectory.PayloadFor(99), log.Read(99));
        }

        Assert.Equal(earlier, segments.SkipLast(1).Select(File.ReadAllBytes));
    }

    [Fact]
    public void A_segment_whose_records_were_all_torn_stays_and_is_appended_to()
    {
        using var directory = new TestLogDirectory();
        var options = directory.Options with { SegmentBytes = 256 };
        directory.Fill(40, options);
        var last = directory.SegmentPaths()[^1];
        File.WriteAllBytes(last, File.ReadAllBytes(last).AsSpan(0, 24 + 5).ToArray());
        var firstIndexOfLast = long.Parse(Path.GetFileNameWithoutExtension(last), System.Globalization.CultureInfo.InvariantCulture);

        using (var log = FileLog.Open(options, out var report))
        {
            Assert.Equal(firstIndexOfLast, report.Records);
            Assert.Equal(5, report.TornBytesTruncated);
            Assert.Equal(firstIndexOfLast, log.Append(TestLogDirectory.PayloadFor(firstIndexOfLast)));
        }

        using var reopened = FileLog.Open(options, out var again);
        Assert.Equal(firstIndexOfLast + 1, again.Records);
        Assert.Equal(0, again.TornBytesTruncated);
    }

    private static void AssertRecoversTo(TestLogDirectory directory, long records, long tornBytes, string segment)
    {
        using var log = FileLog.Open(directory.Options, out var report);
        Assert.Equal(records, report.Records);
        Assert.Equal(tornBytes, report.TornBytesTruncated);
        Assert.Equal(tornBytes == 0 ? null : segment, report.TornSegment);
        Assert.Equal(records, log.FlushedCount);
        Assert.Equal(
            Enumerable.Range(0, (int)records).Select(i => Convert.ToHexString(TestLogDirectory.PayloadFor(i))),
            log.ReadFrom(0).Select(e => Convert.ToHexString(e.Payload.Span)));
    }

    private static void AssertAppendContinues(TestLogDirectory directory, long records)
    {
        using (var log = FileLog.Open(directory.Options, out _))
        {
            Assert.Equal(records, log.Append("appended after recovery"u8));
            log.Flush();
        }

        using var reopened = FileLog.Open(directory.Options, out var report);
        Assert.Equal(new LogRecoveryReport(records + 1, 1, 0, null), report);
        Assert.Equal("appended after recovery"u8.ToArray(), reopened.Read(records));
        Assert.Equal(TestLogDirectory.PayloadFor(records - 1), reopened.Read(records - 1));
    }

    private static void AppendBytes(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write);
        stream.Write(bytes);
    }
}
