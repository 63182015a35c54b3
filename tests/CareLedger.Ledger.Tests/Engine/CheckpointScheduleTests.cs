using CareLedger.Ledger.Engine.Ordering;

namespace CareLedger.Ledger.Tests.Engine;

public sealed class CheckpointScheduleTests
{
    /// <summary>Every 100 transactions or 200 ms of stream time; the last checkpoint was of size 10, decided at stream time 1000.</summary>
    [Theory]
    [InlineData(10, 5000, false, false)]
    [InlineData(11, 1100, false, false)]
    [InlineData(11, 1199, false, false)]
    [InlineData(11, 1200, false, true)]
    [InlineData(109, 1001, false, false)]
    [InlineData(110, 1001, false, true)]
    [InlineData(11, 1001, true, true)]
    [InlineData(10, 1001, true, false)]
    public void A_checkpoint_is_due_after_growth_by_count_time_or_tick(long treeSize, long streamMs, bool tick, bool due)
    {
        var schedule = new CheckpointSchedule(100, 200, 10, 1000);

        Assert.Equal(due, schedule.AtMessageEnd(treeSize, streamMs, tick));
        Assert.Equal(due ? (treeSize, streamMs) : (10L, 1000L), (schedule.Size, schedule.StreamMs));
    }

    [Fact]
    public void A_schedule_resumed_from_its_saved_position_decides_the_same_sizes_as_one_that_never_stopped()
    {
        var messages = Enumerable.Range(1, 500).Select(i => (Size: 10L + (i * 7), Ms: 1000L + (i * 13), Tick: i % 97 == 0)).ToArray();
        var uninterrupted = new CheckpointSchedule(100, 200, 10, 1000);
        var expected = messages.Where(m => uninterrupted.AtMessageEnd(m.Size, m.Ms, m.Tick)).Select(m => m.Size).ToArray();

        var before = new CheckpointSchedule(100, 200, 10, 1000);
        var decided = messages[..250].Where(m => before.AtMessageEnd(m.Size, m.Ms, m.Tick)).Select(m => m.Size).ToList();
        var resumed = new CheckpointSchedule(100, 200, before.Size, before.StreamMs);
        decided.AddRange(messages[250..].Where(m => resumed.AtMessageEnd(m.Size, m.Ms, m.Tick)).Select(m => m.Size));

        Assert.Equal(expected, decided);
        Assert.True(expected.Length > 10);
    }
}
