using CareLedger.Ledger.Engine;

namespace CareLedger.Ledger.Consortium;

/// <summary>
/// Callers waiting for their leaf to be committed (covered by a quorum-cosigned checkpoint that this member's own
/// tree confirms), answered in leaf order as the commit point advances. Thread-safe.
/// </summary>
internal sealed class CommitTracker
{
    private readonly Lock gate = new();
    private readonly PriorityQueue<(Submission Submission, SubmitResult Result), long> submissions = new();
    private readonly PriorityQueue<TaskCompletionSource, long> waiters = new();
    private long committed;
    private Exception? failed;

    /// <summary>Everything below this leaf count is committed.</summary>
    public long CommittedSize => Volatile.Read(ref committed);

    /// <summary>Answers <paramref name="submission"/> with <paramref name="result"/> once its leaf is committed.</summary>
    public void Track(Submission submission, SubmitResult result)
    {
        lock (gate)
        {
            if (failed is not null)
            {
                submission.Completion.TrySetException(failed);
                return;
            }

            if (result.LeafIndex >= committed)
            {
                submissions.Enqueue((submission, result), result.LeafIndex);
                return;
            }
        }

        submission.Completion.TrySetResult(result);
    }

    public Task WaitAsync(long leafIndex, CancellationToken ct)
    {
        TaskCompletionSource waiter;
        lock (gate)
        {
            if (failed is not null)
            {
                return Task.FromException(failed);
            }

            if (leafIndex < committed)
            {
                return Task.CompletedTask;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Enqueue(waiter, leafIndex);
        }

        return ct.CanBeCanceled ? waiter.Task.WaitAsync(ct) : waiter.Task;
    }

    public void Advance(long size)
    {
        var answered = new List<(Submission, SubmitResult)>();
        var released = new List<TaskCompletionSource>();
        lock (gate)
        {
            if (size <= committed)
            {
                return;
            }

            Volatile.Write(ref committed, size);
            while (submissions.TryPeek(out var item, out var leaf) && leaf < size)
            {
                submissions.Dequeue();
                answered.Add(item);
            }

            while (waiters.TryPeek(out var waiter, out var leaf) && leaf < size)
            {
                waiters.Dequeue();
                released.Add(waiter);
            }
        }

        foreach (var (submission, result) in answered)
        {
            submission.Completion.TrySetResult(result);
        }

        foreach (var waiter in released)
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>
    /// Takes back the callers tracked at <paramref name="leaf"/> and beyond: this member rolled those leaves back (ADR
    /// 0005), so their transactions are no longer there; they wait again for the stream to place them.
    /// </summary>
    public List<Submission> TakeFrom(long leaf)
    {
        var kept = new List<((Submission, SubmitResult) Item, long Leaf)>();
        var taken = new List<Submission>();
        lock (gate)
        {
            while (submissions.TryDequeue(out var item, out var at))
            {
                if (at < leaf)
                {
                    kept.Add((item, at));
                }
                else
                {
                    taken.Add(item.Submission);
                }
            }

            foreach (var (item, at) in kept)
            {
                submissions.Enqueue(item, at);
            }
        }

        return taken;
    }

    public void Fail(Exception error)
    {
        List<Submission> failedSubmissions = [];
        List<TaskCompletionSource> failedWaiters = [];
        lock (gate)
        {
            failed ??= error;
            while (submissions.TryDequeue(out var item, out _))
            {
                failedSubmissions.Add(item.Submission);
            }

            while (waiters.TryDequeue(out var waiter, out _))
            {
                failedWaiters.Add(waiter);
            }
        }

        foreach (var submission in failedSubmissions)
        {
            submission.Completion.TrySetException(error);
        }

        foreach (var waiter in failedWaiters)
        {
            waiter.TrySetException(error);
        }
    }
}
