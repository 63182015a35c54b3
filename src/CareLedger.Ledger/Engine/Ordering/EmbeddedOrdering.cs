using System.Threading.Channels;

namespace CareLedger.Ledger.Engine.Ordering;

/// <summary>
/// The single node's ordering: an in-process queue drained in batches by the sequencer. A transaction is committed
/// once it is durable in this node's own log (a quorum of one); its cosignature follows with the next checkpoint.
/// </summary>
internal sealed class EmbeddedOrdering : ILedgerOrdering
{
    private readonly Channel<Submission> queue = Channel.CreateUnbounded<Submission>(new UnboundedChannelOptions { SingleReader = true });
    private LedgerEngine? engine;

    /// <summary>The sequencer's wait for the next submission, without a spin before it blocks (one waiter: the sequencer).</summary>
    private readonly BlockingWait wait = new();

    public void Start(LedgerEngine owner) => engine = owner;

    public Task<SubmitResult> Submit(Submission submission)
    {
        if (!queue.Writer.TryWrite(submission))
        {
            return Task.FromException<SubmitResult>(engine!.Unavailable());
        }

        return submission.Completion.Task;
    }

    public bool WaitForMessages(List<OrderedMessage> group, int maxTransactions)
    {
        var reader = queue.Reader;
        if (!wait.Result(reader.WaitToReadAsync()))
        {
            return false;
        }

        var entries = new List<OrderedEntry>(Math.Min(maxTransactions, 256));
        while (entries.Count < maxTransactions && reader.TryRead(out var item))
        {
            entries.Add(item);
        }

        group.Add(new OrderedMessage(entries));
        return true;
    }

    public void Applied(IReadOnlyList<OrderedMessage> group)
    {
        foreach (var message in group)
        {
            foreach (var entry in message.Entries)
            {
                var submission = (Submission)entry;
                if (submission.Result is { } result)
                {
                    submission.Completion.TrySetResult(result);
                }
                else
                {
                    submission.Completion.TrySetException(submission.Rejection!);
                }
            }
        }
    }

    public void Signed(Checkpoints.SignedNote note)
    {
    }

    public Task WaitForCommitAsync(long leafIndex, CancellationToken ct) => engine!.WaitForOwnCheckpointAsync(leafIndex, ct);

    public void Complete() => queue.Writer.TryComplete();

    public void Fail(Exception stopped)
    {
        queue.Writer.TryComplete();
        while (queue.Reader.TryRead(out var item))
        {
            item.Completion.TrySetException(stopped);
        }
    }

    /// <summary>After the sequencer has ended (the engine awaits it first), so no wait is in progress.</summary>
    public ValueTask DisposeAsync()
    {
        wait.Dispose();
        return ValueTask.CompletedTask;
    }
}
