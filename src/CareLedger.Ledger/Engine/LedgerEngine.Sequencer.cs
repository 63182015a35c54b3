using CareLedger.Ledger.State;

namespace CareLedger.Ledger.Engine;

public sealed partial class LedgerEngine
{
    /// <summary>
    /// The tree is rebuilt from the log past its last flush on open, so flushing it (an fsync per level file) is
    /// needed only to bound that work: every 2^18 leaves (256 MiB of 1 KiB transactions, well under a second to re-hash).
    /// </summary>
    private const long TreeFlushEveryLeaves = 1 << 18;

    /// <summary>
    /// The single writer: drains the queue in batches until it is completed. It runs on its own thread because it
    /// blocks in fsync: on a thread-pool thread it would take one of the few threads that verify signatures.
    /// </summary>
    private void RunSequencer()
    {
        var batch = new List<Submission>(options.MaxBatch);
        var reader = queue.Reader;
        var treeFlushedAt = tree.Size;
        try
        {
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (batch.Count < options.MaxBatch && reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                ProcessBatch(batch);
                batch.Clear();
                WakeCheckpointer();
                if (tree.Size - treeFlushedAt >= TreeFlushEveryLeaves)
                {
                    tree.Flush();
                    treeFlushedAt = tree.Size;
                }
            }
        }
        catch (Exception e)
        {
            Stop(e, batch);
        }
        finally
        {
            // The checkpointer signs a last checkpoint of everything applied, then ends.
            checkpointWake.Writer.TryComplete();
        }
    }

    /// <summary>Rules, append, one fsync, apply, tree; then the callers are answered.</summary>
    private void ProcessBatch(List<Submission> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        accepted.Clear();
        rules.Prefetch(batch.Select(submission => submission.Signed.Transaction.Id).ToHashSet());
        var next = log.Count;
        foreach (var submission in batch)
        {
            var signed = submission.Signed;
            var verdict = rules.Check(signed, submission.Payload, submission.LeafHash, next);
            switch (verdict.Outcome)
            {
                case RuleOutcome.Accepted:
                    var index = log.Append(signed.Encoded.Span);
                    if (index != next)
                    {
                        throw new InvalidOperationException($"the log placed a transaction at {index}, not at the expected leaf {next}");
                    }

                    accepted.Add(new AppliedTransaction(next, signed, submission.Payload, submission.LeafHash));
                    submission.Result = new SubmitResult(signed.Transaction.Id, next, submission.LeafHash, AlreadyApplied: false);
                    next++;
                    break;
                case RuleOutcome.AlreadyApplied:
                    submission.Result = new SubmitResult(signed.Transaction.Id, verdict.LeafIndex, verdict.LeafHash!, AlreadyApplied: true);
                    break;
                default:
                    submission.Completion.TrySetException(new TransactionRejectedException(verdict.Code!, verdict.Message!));
                    break;
            }
        }

        if (accepted.Count > 0)
        {
            log.Flush();
            state.Apply(accepted);
            foreach (var applied in accepted)
            {
                tree.Append(applied.LeafHash);
            }
        }

        rules.Clear();
        foreach (var submission in batch)
        {
            if (submission.Result is { } result)
            {
                submission.Completion.TrySetResult(result);
            }
        }
    }

    /// <summary>After a storage failure in the sequencer nothing more is written: every waiting caller gets the failure.</summary>
    private void Stop(Exception cause, List<Submission> batch)
    {
        var stopped = Fail(cause);
        foreach (var submission in batch)
        {
            submission.Completion.TrySetException(stopped);
        }

        while (queue.Reader.TryRead(out var item))
        {
            item.Completion.TrySetException(stopped);
        }
    }

    /// <summary>Records the first failure, refuses new submissions and releases checkpoint waiters.</summary>
    private LedgerStoppedException Fail(Exception cause)
    {
        var stopped = new LedgerStoppedException($"the ledger stopped after a storage failure: {cause.Message}; restart the node to recover from the log", cause);
        Interlocked.CompareExchange(ref failure, stopped, null);
        queue.Writer.TryComplete();
        Interlocked.Exchange(ref checkpointSignal, NewSignal()).TrySetException(stopped);
        return stopped;
    }
}
