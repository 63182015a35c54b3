namespace CareLedger.Ledger.Engine;

/// <summary>
/// A thread's blocking wait for a value task that does not spin first. <c>GetAwaiter().GetResult()</c> on an unfinished
/// task spins (with yields of the processor) before it blocks, which pays only for waits of a few microseconds; the
/// engine's own threads wait for milliseconds (the next transaction, the next checkpoint wake-up), and that spin cost
/// ≈ 0.4 µs of CPU per door-on read over HTTP in the sequencer and the checkpointer together (docs/benchmarks.md, 2026-12-06 16:45).
/// </summary>
internal sealed class BlockingWait : IDisposable
{
    /// <summary>Set by the awaited task's continuation; spin count 0, so a wait blocks at once.</summary>
    private readonly ManualResetEventSlim done = new(false, spinCount: 0);

    /// <summary>The task's result (or its exception), blocking the calling thread until it completes. One caller at a time.</summary>
    public T Result<T>(ValueTask<T> pending)
    {
        if (!pending.IsCompleted)
        {
            var task = pending.AsTask();
            done.Reset();
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(done.Set);
            done.Wait();
            return task.GetAwaiter().GetResult();
        }

        return pending.GetAwaiter().GetResult();
    }

    /// <summary>After the last wait has returned (a wait's continuation sets the event only while it is waited for).</summary>
    public void Dispose() => done.Dispose();
}
