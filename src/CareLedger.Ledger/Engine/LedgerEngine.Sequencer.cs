using CareLedger.Ledger.Engine.Ordering;
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
    /// The single writer: takes what the ordering delivers, in groups, until the ordering ends. It runs on its own
    /// thread because it blocks in fsync: on a thread-pool thread it would take one of the few threads that verify
    /// signatures.
    /// </summary>
    private void RunSequencer()
    {
        var group = new List<OrderedMessage>();
        var treeFlushedAt = tree.Size;
        try
        {
            while (ordering.WaitForMessages(group, options.MaxBatch))
            {
                if (group is [{ Rollback: { } rollback }])
                {
                    group.Clear();
                    RollBack(rollback);
                    treeFlushedAt = Math.Min(treeFlushedAt, tree.Size);
                    continue;
                }

                ProcessGroup(group);
                ordering.Applied(group);
                group.Clear();
                WakeCheckpointer();
                if (tree.Size - treeFlushedAt >= TreeFlushEveryLeaves)
                {
                    tree.Flush();
                    treeFlushedAt = tree.Size;
                }
            }
        }
        catch (StreamContradictionException e)
        {
            FailGroup(group, Halt(e.Alarm));
        }
        catch (Exception e)
        {
            FailGroup(group, Stop(e));
        }
        finally
        {
            // The checkpointer signs what is still due, then ends.
            checkpointWake.Writer.TryComplete();
        }
    }

    /// <summary>Rules, append, one fsync, apply (with the stream position), tree; then the ordering answers the callers.</summary>
    private void ProcessGroup(List<OrderedMessage> group)
    {
        accepted.Clear();
        rules.Prefetch(group.SelectMany(message => message.Entries).Where(entry => entry.Signed is not null).Select(entry => entry.Signed!.Transaction.Id).ToHashSet());
        var next = state.AppliedCount;
        var appended = false;
        OrderingPosition? position = null;
        List<OrderingPosition>? decided = null;
        var due = 0L;
        foreach (var message in group)
        {
            foreach (var entry in message.Entries)
            {
                appended |= Judge(entry, message, ref next);
            }

            if (schedule is not null && message.StreamSequence > 0)
            {
                if (schedule.AtMessageEnd(next, message.StreamTimeMs, message.IsTick))
                {
                    due = next;
                    // Where this checkpoint was decided: a rollback (ADR 0005) may return here while it is not below what this member cosigned.
                    (decided ??= []).Add(new OrderingPosition(message.StreamSequence, message.Hash, schedule.Size, schedule.StreamMs));
                }

                position = new OrderingPosition(message.StreamSequence, message.Hash, schedule.Size, schedule.StreamMs);
            }
        }

        if (appended)
        {
            log.Flush();
        }

        if (accepted.Count > 0 || position is not null)
        {
            state.Apply(accepted, position, decided, Volatile.Read(ref lastCheckpointSize));
        }

        foreach (var applied in accepted)
        {
            // Leaves re-derived after a restart are already in the tree (it was rebuilt from the log on open).
            if (applied.LeafIndex == tree.Size)
            {
                tree.Append(applied.LeafHash);
            }
        }

        rules.Clear();
        if (due > 0)
        {
            Volatile.Write(ref dueCheckpointSize, due);
        }
    }

    /// <summary>Judges one entry as the transaction at leaf <paramref name="next"/>; returns whether it was appended to the log.</summary>
    private bool Judge(OrderedEntry entry, OrderedMessage message, ref long next)
    {
        if (entry.ProblemCode is { } code)
        {
            entry.Rejection = new TransactionRejectedException(code, entry.ProblemMessage!);
            return false;
        }

        var signed = entry.Signed!;
        if (!entry.SignatureVerified)
        {
            // Entries from a stream whose author was registered too recently to be checked ahead: checked here, against the key the rules know.
            if (rules.AuthorPublicKey(signed.Transaction, entry.Payload!) is not { } spki)
            {
                entry.Rejection = new TransactionRejectedException(RejectionCodes.UnknownAuthor, $"author key {signed.Transaction.Author} is not registered");
                return false;
            }

            if (!signed.VerifySignatureOfKnownAuthor(spki))
            {
                entry.Rejection = new TransactionRejectedException(RejectionCodes.BadSignature, $"the signature is not valid for author key {signed.Transaction.Author}");
                return false;
            }
        }

        var verdict = rules.Check(signed, entry.Payload!, entry.LeafHash, next);
        switch (verdict.Outcome)
        {
            case RuleOutcome.Accepted:
                var appended = false;
                // After a crash the log may hold what the state had not applied: the stream must give it back exactly, or
                // (a suffix this member never cosigned, ADR 0005) the log's suffix is dropped and the stream's transaction taken.
                if (next < log.Count && !tree.LeafHash(next).AsSpan().SequenceEqual(entry.LeafHash) && !DropUnappliedSuffix(next, message))
                {
                    throw new StreamContradictionException(StreamContradiction(
                        $"stream message {message.StreamSequence} puts transaction {signed.Transaction.Id} at leaf {next}, but this member's log holds a different transaction there, within what it cosigned"));
                }

                if (next >= log.Count)
                {
                    var index = log.Append(signed.Encoded.Span);
                    if (index != next)
                    {
                        throw new InvalidOperationException($"the log placed a transaction at {index}, not at the expected leaf {next}");
                    }

                    appended = true;
                }

                accepted.Add(new AppliedTransaction(next, signed, entry.Payload!, entry.LeafHash));
                entry.Result = new SubmitResult(signed.Transaction.Id, next, entry.LeafHash, AlreadyApplied: false);
                next++;
                return appended;
            case RuleOutcome.AlreadyApplied:
                entry.Result = new SubmitResult(signed.Transaction.Id, verdict.LeafIndex, verdict.LeafHash!, AlreadyApplied: true);
                return false;
            default:
                entry.Rejection = new TransactionRejectedException(verdict.Code!, verdict.Message!);
                return false;
        }
    }

    /// <summary>After a storage failure in the sequencer nothing more is written: every waiting caller gets the failure.</summary>
    private LedgerStoppedException Stop(Exception cause)
    {
        var stopped = Fail(cause);
        ordering.Fail(stopped);
        return stopped;
    }

    /// <summary>The callers of the group in hand when the sequencer stopped are not in the ordering any more: answer them here.</summary>
    private static void FailGroup(List<OrderedMessage> group, Exception stopped)
    {
        foreach (var message in group)
        {
            foreach (var entry in message.Entries)
            {
                (entry as Submission)?.Completion.TrySetException(stopped);
            }
        }
    }

    /// <summary>Records the first failure, refuses new submissions and releases checkpoint waiters.</summary>
    private LedgerStoppedException Fail(Exception cause)
    {
        var stopped = new LedgerStoppedException($"the ledger stopped after a storage failure: {cause.Message}; restart the node to recover from the log", cause);
        Interlocked.CompareExchange(ref failure, stopped, null);
        ordering.Complete();
        Interlocked.Exchange(ref checkpointSignal, NewSignal()).TrySetException(stopped);
        return stopped;
    }
}
