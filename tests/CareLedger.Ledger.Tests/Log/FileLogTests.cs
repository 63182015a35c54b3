using System.Buffers.Binary;
using CareLedger.Ledger.Log;

namespace CareLedger.Ledger.Tests.Log;

public class FileLogTests
{
    [Fact]
    public void A_new_log_is_empty_and_has_one_segment()
    {
        using var directory = new TestLogDirectory();

        using var log = FileLog.Open(directory.Options, out var report);

        Assert.Equal(new LogRecoveryReport(0, 1, 0, null), report);
        Assert.Equal(0, log.Count);
        Assert.Equal(0, log.FlushedCount);
        Assert.Equal(["00000000000000000000.seg"], directory.SegmentPaths().Select(Path.GetFileName));
    }

    [Fact]
    public void Open_creates_a_missing_directory()
    {
        using var directory = new TestLogDirectory();
        var nested = Path.Combine(directory.Path, "data", "log");

        using var log = FileLog.Open(new FileLogOptions(nested), out _);

        Assert.True(File.Exists(Path.Combine(nested, "00000000000000000000.seg")));
    }

    [Fact]
    public void Appended_records_become_readable_only_when_flushed()
    {
        using var directory = new TestLogDirectory();
        using var log = FileLog.Open(directory.Options, out _);

        Assert.Equal(0, log.Append("first"u8));
        Assert.Equal(1, log.Append("second"u8));
        Assert.Equal(2, log.Count);
        Assert.Equal(0, log.FlushedCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Read(0));

        log.Flush();

        Assert.Equal(2, log.FlushedCount);
        Assert.Equal("first"u8.ToArray(), log.Read(0));
        Assert.Equal("second"u8.ToArray(), log.Read(1));
    }

    [Fact]
    public void Records_survive_a_reopen()
    {
        using var directory = new TestLogDirectory();
        directory.Fill(500);

        using var log = FileLog.Open(directory.Options, out var report);

        Assert.Equal(new LogRecoveryReport(500, 1, 0, null), report);
        Assert.Equal(500, log.Count);
        Assert.Equal(500, log.FlushedCount);
        for (var i = 0; i < 500; i++)
        {
            Assert.Equal(TestLogDirectory.PayloadFor(i), log.Read(i));
        }
    }

    [Fact]
    public void Appends_after_a_reopen_continue_the_numbering()
    {
        using var directory = new TestLogDirectory();
        directory.Fill(10);

        using (var log = FileLog.Open(directory.Options, out _))
        {
            Assert.Equal(10, log.Append(TestLogDirectory.PayloadFor(10)));
            log.Flush();
        }

        using var reopened = FileLog.Open(directory.Options, out var report);
        Assert.Equal(11, report.Records);
        Assert.Equal(TestLogDirectory.PayloadFor(10), reopened.Read(10));
    }

    [Fact]
    public void Disposing_flushes_what_was_appended()
    {
        using var directory = new TestLogDirectory();
        using (var log = FileLog.Open(directory.Options, out _))
        {
            log.Append("kept on dispose"u8);
        }

        using var reopened = FileLog.Open(directory.Options, out var report);

        Assert.Equal(1, report.Records);
        Assert.Equal("kept on dispose"u8.ToArray(), reopened.Read(0));
    }

    [Fact]
    public void Small_segments_roll_over_and_reads_cross_them()
    {
        using var directory = new TestLogDirectory();
        var options = directory.Options with { SegmentBytes = 1024 };
        directory.Fill(300, options);

        var segments = directory.SegmentPaths();
        Assert.True(segments.Length > 20, $"expected many segments, got {segments.Length}");
        Assert.All(segments.SkipLast(1), path => Assert.True(new FileInfo(path).Length <= 1024, path));

        using var log = FileLog.Open(options, out var report);
        Assert.Equal(300, report.Records);
        Assert.Equal(segments.Length, report.Segments);
        for (var i = 299; i >= 0; i--)
        {
            Assert.Equal(TestLogDirectory.PayloadFor(i), log.Read(i));
        }
    }

    [Fact]
    public void Segment_names_are_the_index_of_their_first_record()
    {
        using var directory = new TestLogDirectory();
        directory.Fill(100, directory.Options with { SegmentBytes = 512 });

        foreach (var path in directory.SegmentPaths())
        {
            var bytes = File.ReadAllBytes(path);
            var firstRecord = (int)TestLogDirectory.RecordOffsets(path)[0];
            var firstIndex = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(firstRecord + 8));
            Assert.Equal($"{firstIndex:D20}.seg", Path.GetFileName(path));
        }
    }

    [Fact]
    public void A_record_larger_than_a_segment_gets_a_segment_of_its_own()
    {
        using var directory = new TestLogDirectory();
        var options = directory.Options with { SegmentBytes = 100 };
        var large = new byte[500];
        Array.Fill(large, (byte)7);

        using (var log = FileLog.Open(options, out _))
        {
            log.Append("small"u8);
            log.Append(large);
            log.Append("after"u8);
            log.Flush();
            Assert.Equal(large, log.Read(1));
        }

        using var reopened = FileLog.Open(options, out var report);
        Assert.Equal(3, report.Segments);
        Assert.Equal(large, reopened.Read(1));
        Assert.Equal("after"u8.ToArray(), reopened.Read(2));
    }

    [Fact]
    public void ReadFrom_returns_every_durable_record_in_order_across_segments()
    {
        using var directory = new TestLogDirectory();
        var options = directory.Options with { SegmentBytes = 2048 };
        directory.Fill(1000, options);
        using var log = FileLog.Open(options, out _);

        var entries = log.ReadFrom(123).ToList();

        Assert.Equal(Enumerable.Range(123, 1000 - 123).Select(i => (long)i), entries.Select(e => e.Index));
        Assert.All(entries, e => Assert.Equal(TestLogDirectory.PayloadFor(e.Index), e.Payload.ToArray()));
    }

    [Fact]
    public void ReadFrom_stops_at_the_flushed_count_of_the_call()
    {
        using var directory = new TestLogDirectory();
        directory.Fill(5);
        using var log = FileLog.Open(directory.Options, out _);

        var entries = log.ReadFrom(0);
        log.Append("later"u8);
        log.Flush();

        Assert.Equal(5, entries.Count());
        Assert.Empty(log.ReadFrom(6));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.ReadFrom(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.ReadFrom(-1));
    }

    [Fact]
    public void ReadFrom_handles_records_larger_than_its_read_block()
    {
        using var directory = new TestLogDirectory();
        var large = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
        using var log = FileLog.Open(directory.Options, out _);
        log.Append("a"u8);
        log.Append(large);
        log.Append("b"u8);
        log.Flush();

        var entries = log.ReadFrom(0).ToList();

        Assert.Equal(3, entries.Count);
        Assert.Equal(large, entries[1].Payload.ToArray());
        Assert.Equal("b"u8.ToArray(), entries[2].Payload.ToArray());
    }

    [Fact]
    public void Reading_outside_the_durable_log_names_the_range()
    {
        using var directory = new TestLogDirectory();
        directory.Fill(3);
        using var log = FileLog.Open(directory.Options, out _);

        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => log.Read(3));

        Assert.Contains("records 0 to 2", exception.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Read(-1));
    }

    [Fact]
    public void Oversized_and_empty_payloads_are_rejected_and_change_nothing()
    {
        using var directory = new TestLogDirectory();
        var options = directory.Options with { MaxRecordBytes = 100 };
        using var log = FileLog.Open(options, out _);
        log.Append(new byte[100]);
        log.Flush();
        var before = directory.Snapshot();

        var oversized = Assert.Throws<ArgumentException>(() => log.Append(new byte[101]));
        var empty = Assert.Throws<ArgumentException>(() => log.Append([]));
        log.Flush();

        Assert.Contains("101 bytes", oversized.Message, StringComparison.Ordinal);
        Assert.Contains("empty", empty.Message, StringComparison.Ordinal);
        Assert.Equal(1, log.Count);
        Assert.Equal(1, log.FlushedCount);
        TestLogDirectory.AssertSameFiles(before, directory.Snapshot());
        Assert.Equal(1, log.Append("next"u8));
    }

    [Fact]
    public void Lowering_MaxRecordBytes_keeps_larger_records_already_written()
    {
        using var directory = new TestLogDirectory();
        directory.Fill(50);

        using var log = FileLog.Open(directory.Options with { MaxRecordBytes = 10 }, out var report);

        Assert.Equal(new LogRecoveryReport(50, 1, 0, null), report);
        Assert.Equal(TestLogDirectory.PayloadFor(49), log.Read(49));
    }

    [Theory]
    [InlineData(0L, 100)]
    [InlineData(40L, 100)]
    [InlineData(1024L, 0)]
    [InlineData(1024L, -1)]
    [InlineData(1024L, 64 * 1024 * 1024 + 1)]
    public void Invalid_options_are_rejected(long segmentBytes, int maxRecordBytes)
    {
        using var directory = new TestLogDirectory();

        Assert.Throws<ArgumentOutOfRangeException>(() =>
            FileLog.Open(directory.Options with { SegmentBytes = segmentBytes, MaxRecordBytes = maxRecordBytes }, out _));
        Assert.Empty(Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void A_log_cannot_be_opened_twice()
    {
        using var directory = new TestLogDirectory();
        using var log = FileLog.Open(directory.Options, out _);

        var exception = Assert.Throws<IOException>(() => FileLog.Open(directory.Options, out _));

        Assert.Contains("already open", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_half_created_segment_is_removed_on_open()
    {
        using var directory = new TestLogDirectory();
        directory.Fill(3);
        var leftover = Path.Combine(directory.Path, "00000000000000000003.seg.tmp");
        File.WriteAllBytes(leftover, new byte[10]);

        using var log = FileLog.Open(directory.Options, out var report);

        Assert.Equal(3, report.Records);
        Assert.False(File.Exists(leftover));
    }

    [Fact]
    public void A_disposed_log_refuses_calls()
    {
        using var directory = new TestLogDirectory();
        var log = FileLog.Open(directory.Options, out _);
        log.Append("x"u8);
        log.Dispose();

        Assert.Throws<ObjectDisposedException>(() => log.Append("y"u8));
        Assert.Throws<ObjectDisposedException>(() => log.Read(0));
        log.Dispose();
    }
}
