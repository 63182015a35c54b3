namespace CareLedger.Vault.Tests.Support;

/// <summary>Waits for something another thread does (a checkpointer's round), checking every 10 ms up to a deadline.</summary>
internal static class Poll
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static void WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the checkpointer did not get there within {Deadline.TotalSeconds:N0} s");
            Thread.Sleep(10);
        }
    }
}
