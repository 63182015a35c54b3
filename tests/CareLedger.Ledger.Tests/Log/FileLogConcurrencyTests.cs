using CareLedger.Ledger.Log;

namespace CareLedger.Ledger.Tests.Log;

public class FileLogConcurrencyTests
{
    [Fact]
    public async Task Readers_see_every_flushed_record_while_the_writer_appends_and_rolls_over()
    {
        using var directory = new TestLogDirectory();
        const int total = 4000;
        using var log = FileLog.Open(directory.Options with { SegmentBytes = 8192 }, out _);
        using var writerDone = new CancellationTokenSource();

        var writer = Task.Run(() =>
        {
            try
            {
                for (var i = 0; i < total; i++)
                {
                    log.Append(TestLogDirectory.PayloadFor(i));
                    if (i % 64 == 63)
                    {
                        log.Flush();
                    }
                }

                log.Flush();
            }
            finally
            {
                writerDone.Cancel();
            }
        });

        var readers = Enumerable.Range(0, 2).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            var checkedRecords = 0L;
            while (!writerDone.IsCancellationRequested || checkedRecords == 0)
            {
                var flushed = log.FlushedCount;
                if (flushed == 0)
                {
                    Thread.Yield();
                    continue;
                }

                foreach (var index in new[] { flushed - 1, random.NextInt64(flushed) })
                {
                    Assert.Equal(TestLogDirectory.PayloadFor(index), log.Read(index));
                    checkedRecords++;
                }

                var from = random.NextInt64(flushed);
                foreach (var entry in log.ReadFrom(from).Take(100))
                {
                    Assert.Equal(TestLogDirectory.PayloadFor(entry.Index), entry.Payload.ToArray());
                    checkedRecords++;
                }
            }

            return checkedRecords;
        })).ToArray();

        await writer.WaitAsync(TimeSpan.FromSeconds(60));
        var checkedCounts = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(checkedCounts, count => Assert.True(count > 0));
        Assert.Equal(total, log.FlushedCount);
        Assert.True(directory.SegmentPaths().Length > 10);
    }
}
