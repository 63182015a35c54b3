using CareLedger.Ledger.Log;
using CareLedger.Ledger.Log.Format;

namespace CareLedger.Ledger.Tests.Log;

public class FileLogCorruptionTests
{
    private const long Records = 200;

    /// <summary>Damage inside one record, as an offset from the record's start and the words the diagnosis uses.</summary>
    public static TheoryData<string, int> RecordFields => new()
    {
        { "payload", LogRecordHeader.Size },
        { "length (low byte)", 0 },
        { "length (high byte)", 3 },
        { "checksum", 4 },
        { "index", 8 },
    };

    [Theory]
    [MemberData(nameof(RecordFields))]
    public void A_damaged_record_before_the_tail_of_the_last_segment_is_refused(string field, int offsetInRecord)
    {
        using var directory = NewLog(out var options);
        var last = directory.SegmentPaths()[^1];
        var (offset, index) = RecordInTheMiddleOf(last);
        TestLogDirectory.FlipByte(last, offset + offsetInRecord);

        var exception = AssertRefused(directory, options, last, offset, index);

        Assert.True(exception.Message.Contains("follows", StringComparison.Ordinal), $"{field}: {exception.Message}");
    }

    [Theory]
    [MemberData(nameof(RecordFields))]
    public void A_damaged_record_in_an_earlier_segment_is_refused(string field, int offsetInRecord)
    {
        using var directory = NewLog(out var options);
        var second = directory.SegmentPaths()[1];
        var (offset, index) = RecordInTheMiddleOf(second);
        TestLogDirectory.FlipByte(second, offset + offsetInRecord);

        var exception = AssertRefused(directory, options, second, offset, index);

        Assert.True(exception.Message.Contains("not the last segment", StringComparison.Ordinal), $"{field}: {exception.Message}");
    }

    [Fact]
    public void The_last_record_of_an_earlier_segment_is_not_a_torn_tail()
    {
        using var directory = NewLog(out var options);
        var first = directory.SegmentPaths()[0];
        var lastOffset = TestLogDirectory.RecordOffsets(first)[^1];
        var lastIndex = TestLogDirectory.RecordOffsets(first).Count - 1;
        File.WriteAllBytes(first, File.ReadAllBytes(first).AsSpan(0, (int)lastOffset + 3).ToArray());

        var exception = AssertRefused(directory, options, first, lastOffset, lastIndex);

        Assert.Contains("incomplete", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_message_says_where_and_what_in_one_line()
    {
        using var directory = NewLog(out var options);
        var last = directory.SegmentPaths()[^1];
        var (offset, index) = RecordInTheMiddleOf(last);
        TestLogDirectory.FlipByte(last, offset + LogRecordHeader.Size);

        var exception = Assert.Throws<LogCorruptedException>(() => FileLog.Open(options, out _));

        Assert.StartsWith(
            $"segment {Path.GetFileName(last)} offset {offset}: record {index} checksum mismatch, yet a valid record (index {index + 1}) follows",
            exception.Message,
            StringComparison.Ordinal);
        Assert.EndsWith("refusing to start; restore this member from a peer or backup", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', exception.Message);
    }

    [Theory]
    [InlineData(0, "magic")]
    [InlineData(9, "checksum")]
    [InlineData(13, "checksum")]
    [InlineData(22, "checksum")]
    public void A_damaged_segment_header_is_refused(int offsetInHeader, string reason)
    {
        using var directory = NewLog(out var options);
        foreach (var segment in new[] { directory.SegmentPaths()[1], directory.SegmentPaths()[^1] })
        {
            var intact = File.ReadAllBytes(segment);
            TestLogDirectory.FlipByte(segment, offsetInHeader);

            var exception = AssertRefused(directory, options, segment, 0, null);

            Assert.Contains(reason, exception.Message, StringComparison.Ordinal);
            File.WriteAllBytes(segment, intact);
        }
    }

    [Fact]
    public void A_record_index_gap_is_refused()
    {
        using var directory = new TestLogDirectory();
        var segment = Path.Combine(directory.Path, "00000000000000000000.seg");
        WriteSegment(segment, 0, [0, 1, 2, 4, 5]);
        var gapOffset = TestLogDirectory.RecordOffsets(segment)[3];

        var exception = AssertRefused(directory, directory.Options, segment, gapOffset, 3);

        Assert.Contains("record 3 is missing: the record here carries index 4 (an index gap)", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_repeated_record_index_is_refused()
    {
        using var directory = new TestLogDirectory();
        var segment = Path.Combine(directory.Path, "00000000000000000000.seg");
        WriteSegment(segment, 0, [0, 1, 1]);

        AssertRefused(directory, directory.Options, segment, TestLogDirectory.RecordOffsets(segment)[2], 2);
    }

    [Fact]
    public void A_missing_segment_is_refused()
    {
        using var directory = NewLog(out var options);
        var segments = directory.SegmentPaths();
        File.Delete(segments[1]);
        var expected = long.Parse(Path.GetFileNameWithoutExtension(segments[1]), System.Globalization.CultureInfo.InvariantCulture);

        var exception = AssertRefused(directory, options, segments[2], 0, expected);

        Assert.Contains("a segment is missing", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_first_segment_is_refused()
    {
        using var directory = NewLog(out var options);
        var segments = directory.SegmentPaths();
        File.Delete(segments[0]);

        AssertRefused(directory, options, segments[1], 0, 0);
    }

    [Fact]
    public void A_segment_under_another_segments_name_is_refused()
    {
        using var directory = NewLog(out var options);
        var segments = directory.SegmentPaths();
        File.Copy(segments[1], segments[2], overwrite: true);

        var exception = AssertRefused(directory, options, segments[2], 0, null);

        Assert.Contains("file name", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_segment_name_this_log_does_not_write_is_refused()
    {
        using var directory = NewLog(out var options);
        var stray = Path.Combine(directory.Path, "17.seg");
        File.WriteAllBytes(stray, [1]);

        AssertRefused(directory, options, stray, 0, null);
    }

    [Fact]
    public void Damage_found_by_a_read_after_opening_is_reported_with_its_place()
    {
        using var directory = NewLog(out var options);
        using var log = FileLog.Open(options, out _);
        var first = directory.SegmentPaths()[0];
        var offset = TestLogDirectory.RecordOffsets(first)[1];
        using (var stream = new FileStream(first, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.Position = offset + LogRecordHeader.Size;
            stream.WriteByte(0xFF);
        }

        var exception = Assert.Throws<LogCorruptedException>(() => log.Read(1));

        Assert.Equal((first, offset, 1L), (exception.SegmentPath, exception.Offset, exception.RecordIndex));
        Assert.Throws<LogCorruptedException>(() => log.ReadFrom(0).ToList());
    }

    private static TestLogDirectory NewLog(out FileLogOptions options)
    {
        var directory = new TestLogDirectory();
        options = directory.Options with { SegmentBytes = 4096 };
        directory.Fill(Records, options);
        // A half-created segment must also survive a refused open untouched.
        File.WriteAllBytes(Path.Combine(directory.Path, "99999999999999999999.seg.tmp"), [9]);
        Assert.True(directory.SegmentPaths().Length >= 4);
        return directory;
    }

    private static (long Offset, long Index) RecordInTheMiddleOf(string segmentPath)
    {
        var offsets = TestLogDirectory.RecordOffsets(segmentPath);
        var firstIndex = long.Parse(Path.GetFileNameWithoutExtension(segmentPath), System.Globalization.CultureInfo.InvariantCulture);
        var position = offsets.Count / 2;
        Assert.True(position + 1 < offsets.Count, "the segment needs a record after the damaged one");
        return (offsets[position], firstIndex + position);
    }

    private static LogCorruptedException AssertRefused(TestLogDirectory directory, FileLogOptions options, string segment, long offset, long? recordIndex)
    {
        var before = directory.Snapshot();

        var exception = Assert.Throws<LogCorruptedException>(() => FileLog.Open(options, out _));

        Assert.Equal(segment, exception.SegmentPath);
        Assert.Equal(offset, exception.Offset);
        Assert.Equal(recordIndex, exception.RecordIndex);
        Assert.StartsWith($"segment {Path.GetFileName(segment)} offset {offset}: ", exception.Message, StringComparison.Ordinal);
        TestLogDirectory.AssertSameFiles(before, directory.Snapshot());
        return exception;
    }

    private static void WriteSegment(string path, long firstIndex, long[] recordIndexes)
    {
        using var stream = File.Create(path);
        var header = new byte[SegmentHeader.Size];
        new SegmentHeader(firstIndex).WriteTo(header);
        stream.Write(header);
        foreach (var index in recordIndexes)
        {
            var payload = TestLogDirectory.PayloadFor(index);
            var record = new byte[LogRecord.SizeOf(payload.Length)];
            LogRecord.Write(index, payload, record);
            stream.Write(record);
        }
    }
}
