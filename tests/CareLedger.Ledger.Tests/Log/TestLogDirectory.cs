using System.Buffers.Binary;
using CareLedger.Ledger.Log;
using CareLedger.Ledger.Log.Format;

namespace CareLedger.Ledger.Tests.Log;

/// <summary>A temporary log directory with helpers to fill it, inspect its files and damage them on purpose.</summary>
internal sealed class TestLogDirectory : IDisposable
{
    public TestLogDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "careledger-log-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public FileLogOptions Options => new(Path);

    /// <summary>A deterministic payload of 1 to 200 bytes that differs for every index.</summary>
    public static byte[] PayloadFor(long index)
    {
        var payload = new byte[1 + (int)(index * 37 % 200)];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)((index * 31) + (i * 7) + 1);
        }

        return payload;
    }

    /// <summary>Appends records <c>PayloadFor(0..count-1)</c> with the given options, flushes and closes the log.</summary>
    public void Fill(long count, FileLogOptions? options = null)
    {
        using var log = FileLog.Open(options ?? Options, out _);
        for (var i = log.Count; i < count; i++)
        {
            log.Append(PayloadFor(i));
        }

        log.Flush();
    }

    public string[] SegmentPaths() =>
        [.. Directory.GetFiles(Path, "*.seg").Order(StringComparer.Ordinal)];

    /// <summary>
    /// Every file in the directory with its bytes, to prove that a refused open changed nothing. The lock file is
    /// empty and held exclusively while a log is open, so only its presence is recorded.
    /// </summary>
    public Dictionary<string, byte[]> Snapshot() => Directory.GetFiles(Path).ToDictionary(
        path => System.IO.Path.GetFileName(path),
        path => System.IO.Path.GetFileName(path) == "log.lock" ? [] : File.ReadAllBytes(path),
        StringComparer.Ordinal);

    /// <summary>Start offsets of the records of a well-formed segment file, read through the record length fields.</summary>
    public static List<long> RecordOffsets(string segmentPath)
    {
        var bytes = File.ReadAllBytes(segmentPath);
        var offsets = new List<long>();
        for (var position = SegmentHeader.Size; position < bytes.Length;)
        {
            offsets.Add(position);
            position += LogRecordHeader.Size + (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position));
        }

        return offsets;
    }

    public static void FlipByte(string path, long offset)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[offset] ^= 0x5A;
        File.WriteAllBytes(path, bytes);
    }

    public static void AssertSameFiles(Dictionary<string, byte[]> expected, Dictionary<string, byte[]> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, bytes) in expected)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"{name} was changed");
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
