using System.Threading.Channels;
using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Consortium;

namespace CareLedger.Ledger.Engine;

/// <summary>
/// Checkpoints are signed by their own loop, beside the sequencer: signing and the checkpoint store's fsync never
/// delay an acknowledgement. It reads the tree at a size the sequencer has published (log durable, state applied);
/// the tree allows such reads concurrently with appends. A single node signs every N transactions or T ms; a
/// consortium member cosigns exactly the sizes the sequencer found due in the stream (ADR 0005).
/// </summary>
public sealed partial class LedgerEngine
{
    /// <summary>A wake-up for the checkpointer; one pending wake-up is enough, more are dropped.</summary>
    private readonly Channel<bool> checkpointWake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private int checkpointForced;

    /// <summary>The largest checkpoint size a consortium's stream made due (set by the sequencer, signed by the checkpointer).</summary>
    private long dueCheckpointSize;

    /// <summary>
    /// Completes once <paramref name="leafIndex"/> is covered by <see cref="LatestCheckpoint"/>: this node's next
    /// checkpoint, or in a consortium a checkpoint that a quorum of members cosigned.
    /// </summary>
    public async Task<SignedNote> WaitForCheckpointAsync(long leafIndex, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leafIndex);
        await ordering.WaitForCommitAsync(leafIndex, ct).ConfigureAwait(false);
        return LatestCheckpoint ?? throw new InvalidOperationException("a checkpoint covers the leaf but none is served");
    }

    /// <summary>Completes with the first checkpoint this node signed that covers <paramref name="leafIndex"/> (size &gt; leafIndex).</summary>
    internal async Task WaitForOwnCheckpointAsync(long leafIndex, CancellationToken ct)
    {
        while (true)
        {
            // The signal is read before the checkpoint: a checkpoint published in between completes this signal.
            var signal = Volatile.Read(ref checkpointSignal);
            if (Volatile.Read(ref latest) is { } checkpoint && checkpoint.Size > leafIndex)
            {
                return;
            }

            ThrowIfStopped();
            await signal.Task.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Asks for a checkpoint of everything applied, now (used after genesis).</summary>
    private void RequestCheckpoint()
    {
        Volatile.Write(ref checkpointForced, 1);
        WakeCheckpointer();
    }

    private void WakeCheckpointer() => checkpointWake.Writer.TryWrite(true);

    /// <summary>A consortium member's stream agreed with where it resumed: a checkpoint decided before it stopped may be cosigned now.</summary>
    internal void WakeCheckpointerAfterResume() => WakeCheckpointer();

    /// <summary>
    /// Runs (on its own thread: it blocks in fsync) until the sequencer has ended, then signs a last checkpoint of
    /// everything it applied (a consortium member: of what is due).
    /// </summary>
    private void RunCheckpointer()
    {
        try
        {
            using var wait = new BlockingWait();
            while (wait.Result(checkpointWake.Reader.WaitToReadAsync()))
            {
                checkpointWake.Reader.TryRead(out _);
                CheckpointIfDue(Interlocked.Exchange(ref checkpointForced, 0) == 1);
            }

            // After an alarm a consortium member still cosigns what it applied before halting: its view, published,
            // is what lets the other members see (and name) a divergence.
            if (Volatile.Read(ref failure) is null or LedgerHaltedException)
            {
                CheckpointIfDue(forced: !IsConsortium);
            }
        }
        catch (Exception e)
        {
            Fail(e);
            ordering.Fail(failure!);
        }
    }

    private void CheckpointIfDue(bool forced)
    {
        if (IsConsortium)
        {
            // Nothing is cosigned before the stream was found to agree with where this member resumed: what it applied
            // beyond its last cosigned size may still be rolled back (ADR 0005), and a signature never is.
            if (ordering is JetStreamOrdering { StreamVerified: false })
            {
                return;
            }

            lock (rollbackGate)
            {
                var due = Volatile.Read(ref dueCheckpointSize);
                // When it falls behind (catching up) only the newest due checkpoint is signed: it covers the others.
                if (due > lastCheckpointSize && due <= tree.Size && Volatile.Read(ref failure) is null or LedgerHaltedException)
                {
                    WriteCosignedCheckpoint(due);
                }
            }

            return;
        }

        var uncovered = tree.Size - lastCheckpointSize;
        if (uncovered > 0 && (forced
                              || uncovered >= options.CheckpointEveryTransactions
                              || options.Time.GetElapsedTime(lastCheckpointTimestamp) >= options.CheckpointInterval))
        {
            WriteCheckpoint();
        }
    }

    /// <summary>
    /// Signs (log key, 0x01) and cosigns (this member's cosigner key, 0x04) a checkpoint of the tree as published,
    /// stores it durably, and only then serves it. Everything it covers is already fsynced in the log.
    /// </summary>
    private void WriteCheckpoint()
    {
        var size = tree.Size;
        var body = new Checkpoint(Origin, size, tree.RootHash(size));
        var text = body.ToNoteText();
        var note = new SignedNote(text, [Keys.Log.Sign(text), Keys.Cosigner.Cosign(text, options.Time.GetUtcNow())]);
        Publish(new SignedCheckpoint(note, body), stored: false);
    }

    /// <summary>
    /// A consortium member's checkpoint of the network's log at a size the stream made due: only this member's
    /// cosignature, stored with fsync before it is published. A size it cosigned before (it restarted and re-derived
    /// it) is published again as stored; a stored root that differs from the log's is an alarm.
    /// </summary>
    private void WriteCosignedCheckpoint(long size)
    {
        var body = new Checkpoint(Origin, size, tree.RootHash(size));
        if (checkpoints.Find(size) is { } earlier)
        {
            if (!earlier.Body.RootHash.AsSpan().SequenceEqual(body.RootHash))
            {
                Halt(new LedgerAlarm(LedgerAlarm.StreamContradictsLog, MemberName, $"this member cosigned a different root for size {size} before: its log changed since",
                    options.Time.GetUtcNow(), [earlier.Note.ToString()]));
                return;
            }

            Publish(earlier, stored: true);
            return;
        }

        var text = body.ToNoteText();
        Publish(new SignedCheckpoint(new SignedNote(text, [Keys.Cosigner.Cosign(text, options.Time.GetUtcNow())]), body), stored: false);
    }

    private void Publish(SignedCheckpoint checkpoint, bool stored)
    {
        if (!stored)
        {
            checkpoints.Append(checkpoint);
        }

        Volatile.Write(ref latest, checkpoint);
        Volatile.Write(ref lastCheckpointSize, checkpoint.Size);
        lastCheckpointTimestamp = options.Time.GetTimestamp();
        Interlocked.Exchange(ref checkpointSignal, NewSignal()).TrySetResult();
        ordering.Signed(checkpoint.Note);
    }
}
