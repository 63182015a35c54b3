using System.Security.Cryptography;
using System.Text;
using CareLedger.Import;
using CareLedger.Tests.Fhir;
using CareLedger.Tests.Support;

namespace CareLedger.Tests.Import;

/// <summary>The resume record batches its fsyncs (ADR 0021): what it was told is still exactly what a later run reads.</summary>
public sealed class ImportStateTests
{
    private static string Hash(int i) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes($"file {i}")));

    [Fact]
    public async System.Threading.Tasks.Task Files_marked_from_many_threads_at_once_are_each_recorded_once_and_read_back_after_flush()
    {
        using var directory = new TempDirectory();
        var state = ImportState.Open(directory.Path);
        using var start = new Barrier(8);

        await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 8).Select(t => System.Threading.Tasks.Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var i = t * 25; i < (t + 1) * 25; i++)
            {
                state.MarkCompleted(Hash(i));
                state.MarkCompleted(Hash(i));
            }
        }, CancellationToken.None, System.Threading.Tasks.TaskCreationOptions.LongRunning, System.Threading.Tasks.TaskScheduler.Default)));
        state.Flush();

        var lines = await File.ReadAllLinesAsync(Path.Combine(directory.Path, ImportState.FileName));
        Assert.Equal(200, lines.Length);
        Assert.Equal(Enumerable.Range(0, 200).Select(Hash).Order(StringComparer.Ordinal), lines.Order(StringComparer.Ordinal));
        Assert.InRange(state.Writes, 1, 200);
        var reopened = ImportState.Open(directory.Path);
        Assert.All(Enumerable.Range(0, 200), i => Assert.True(reopened.IsCompleted(Hash(i))));
        Assert.False(reopened.IsCompleted(Hash(200)));
    }

    [Fact]
    public void A_torn_last_line_is_ignored_and_later_lines_start_on_a_line_of_their_own()
    {
        using var directory = new TempDirectory();
        var first = ImportState.Open(directory.Path);
        first.MarkCompleted(Hash(1));
        first.Flush();
        // A crash in the middle of the next batch's write: half a line, no newline.
        File.AppendAllText(Path.Combine(directory.Path, ImportState.FileName), Hash(2)[..20]);

        var resumed = ImportState.Open(directory.Path);
        Assert.True(resumed.IsCompleted(Hash(1)));
        Assert.False(resumed.IsCompleted(Hash(2)));
        resumed.MarkCompleted(Hash(2));
        resumed.MarkCompleted(Hash(3));
        resumed.Flush();

        var again = ImportState.Open(directory.Path);
        Assert.True(again.IsCompleted(Hash(2)));
        Assert.True(again.IsCompleted(Hash(3)));
    }

    [Fact]
    public void A_record_that_cannot_be_written_fails_the_flush_and_keeps_the_files_for_the_next_attempt()
    {
        using var directory = new TempDirectory();
        var state = ImportState.Open(directory.Path);
        var path = Path.Combine(directory.Path, ImportState.FileName);
        Directory.CreateDirectory(path); // the record's path taken by a folder: the append fails

        Assert.ThrowsAny<Exception>(() => state.MarkCompleted(Hash(1)));
        Assert.ThrowsAny<Exception>(() => state.Flush());

        Directory.Delete(path);
        state.Flush();
        Assert.True(ImportState.Open(directory.Path).IsCompleted(Hash(1)));
    }
}
