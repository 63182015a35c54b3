using System.Collections.Immutable;
using CareLedger.Ledger.Consortium;
using CareLedger.Ledger.Engine.Ordering;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Engine;

/// <summary>
/// A consortium member's recovery from a stream that replaced messages it had applied (ADR 0005, decision 12): when
/// NATS servers lose what they had not synced, the stream can hand out a message that it later replaces. What this
/// member applied but never cosigned, and that no commit point it holds covers, it may take back: it rolls its log,
/// tree and state back to the earliest checkpoint decided at or after that floor, before the contradicted message,
/// and reads the stream again from there. A contradiction of anything at or below the floor still halts it.
/// </summary>
public sealed partial class LedgerEngine
{
    /// <summary>Held while a rollback cuts the log and while the checkpointer decides to cosign: a member never cosigns a size it is rolling back, nor rolls back a size it cosigned.</summary>
    private readonly Lock rollbackGate = new();
    private ImmutableArray<LedgerRecovery> recoveries = [];

    /// <summary>Every fault this member recovered from without halting since the engine was opened.</summary>
    public IReadOnlyList<LedgerRecovery> Recoveries => recoveries;

    /// <summary>Raised on the sequencer's thread after a recovery; handlers must not block.</summary>
    public event Action<LedgerRecovery>? Recovered;

    /// <summary>
    /// The smallest size this member may roll back to (under <see cref="rollbackGate"/>): the largest it cosigned (it
    /// never takes a signature back) or that a quorum commit it serves covers (a committed transaction is never lost).
    /// </summary>
    private long RollbackFloor() => Math.Max(Volatile.Read(ref lastCheckpointSize), CommitPoint?.Size ?? 0);

    /// <summary>Sequencer thread: rolls back before <paramref name="request"/>'s message, or halts when that would undo what the floor protects.</summary>
    private void RollBack(StreamRollback request)
    {
        long dropped;
        OrderingPosition target;
        List<SignedTransaction> taken;
        lock (rollbackGate)
        {
            var floor = RollbackFloor();
            var candidates = state.CheckpointPositions(floor).Where(p => p.StreamSequence < request.ContradictedSequence).ToList();
            if (floor <= OrderingPosition.AfterGenesis.CheckpointSize)
            {
                candidates.Insert(0, OrderingPosition.AfterGenesis);
            }

            if (candidates.Count == 0)
            {
                request.Outcome.TrySetResult(null);
                Halt(StreamContradiction($"{request.Description}; this member cosigned or holds a commit of {floor} transactions, decided after that message: it never rolls back what it cosigned"));
                return;
            }

            // The earliest allowed: everything after it is read from the stream again, so nothing unverified is kept.
            target = candidates[0];
            if (target.StreamSequence > 0 && !(ordering as JetStreamOrdering)!.StreamHolds(target))
            {
                request.Outcome.TrySetResult(null);
                Halt(StreamContradiction($"{request.Description}; stream message {target.StreamSequence}, after which this member decided checkpoint {target.CheckpointSize} (at or above what it cosigned), changed too"));
                return;
            }

            var count = target.CheckpointSize;
            taken = TakeFromLog(count);
            dropped = tree.Size - count;
            // The state first: a crash after it leaves the log ahead of the state, which a restart re-derives from the stream.
            state.RollBack(count, target, ReadTransaction);
            TruncateLog(count);
            schedule = new CheckpointSchedule(schedule!.Every, schedule.IntervalMs, target.CheckpointSize, target.CheckpointStreamMs);
            Volatile.Write(ref dueCheckpointSize, Math.Min(Volatile.Read(ref dueCheckpointSize), count));
        }

        Recover(new LedgerRecovery(LedgerRecovery.StreamRollback, target.CheckpointSize, dropped, request.ContradictedSequence,
            $"{request.Description}: rolled back {dropped} transactions this member applied but never cosigned (to tree size {target.CheckpointSize}, stream message {target.StreamSequence}) and follows the stream from there",
            options.Time.GetUtcNow()), taken);
        request.Outcome.TrySetResult(target);
    }

    /// <summary>
    /// Sequencer thread, re-deriving a log that was ahead of the state: the stream puts another transaction at
    /// <paramref name="leaf"/>. The log's suffix from there was never applied to the state; it is dropped when this
    /// member never cosigned it, and the stream's transaction takes its place. False: it must halt.
    /// </summary>
    private bool DropUnappliedSuffix(long leaf, OrderedMessage message)
    {
        List<SignedTransaction> taken;
        long dropped;
        lock (rollbackGate)
        {
            if (leaf < RollbackFloor() || ordering is not JetStreamOrdering)
            {
                return false;
            }

            taken = TakeFromLog(leaf);
            dropped = log.Count - leaf;
            TruncateLog(leaf);
        }

        Recover(new LedgerRecovery(LedgerRecovery.StreamRollback, leaf, dropped, message.StreamSequence,
            $"stream message {message.StreamSequence} puts another transaction at leaf {leaf} than this member's log, which held {dropped} transactions there that it never applied nor cosigned: they were dropped and the stream followed",
            options.Time.GetUtcNow()), taken);
        return true;
    }

    private List<SignedTransaction> TakeFromLog(long from)
    {
        var taken = new List<SignedTransaction>();
        foreach (var entry in log.ReadFrom(from))
        {
            taken.Add(SignedTransaction.Decode(entry.Payload.ToArray()));
        }

        return taken;
    }

    private void TruncateLog(long count)
    {
        log.TruncateTo(count);
        if (tree.Size > count)
        {
            tree.TruncateTo(count);
        }
    }

    private void Recover(LedgerRecovery recovery, List<SignedTransaction> taken)
    {
        ImmutableInterlocked.Update(ref recoveries, list => list.Add(recovery));
        (ordering as JetStreamOrdering)?.RolledBack(recovery.RolledBackTo, taken);
        try
        {
            Recovered?.Invoke(recovery);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The recovery is recorded and served by the engine; a failing listener must not undo it.
        }
    }
}
