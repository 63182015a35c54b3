using System.Threading.Channels;
using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Engine;

/// <summary>
/// Checkpoints are signed by their own loop, beside the sequencer: signing and the checkpoint store's fsync never
/// delay an acknowledgement. It reads the tree at a size the sequencer has published (log durable, state applied);
/// the tree allows such reads concurrently with appends.
/// </summary>
public sealed partial class LedgerEngine
{
    /// <summary>A wake-up for the checkpointer; one pending wake-up is enough, more are dropped.</summary>
    private readonly Channel<bool> checkpointWake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private int checkpointForced;

    /// <summary>Completes with the first checkpoint that covers <paramref name="leafIndex"/> (size &gt; leafIndex).</summary>
    public async Task<SignedNote> WaitForCheckpointAsync(long leafIndex, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leafIndex);
        while (true)
        {
            // The signal is read before the checkpoint: a checkpoint published in between completes this signal.
            var signal = Volatile.Read(ref checkpointSignal);
            if (Volatile.Read(ref latest) is { } checkpoint && checkpoint.Size > leafIndex)
            {
                return checkpoint.Note;
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

    /// <summary>
    /// Runs (on its own thread: it blocks in fsync) until the sequencer has ended, then signs a last checkpoint of
    /// everything it applied.
    /// </summary>
    private void RunCheckpointer()
    {
        try
        {
            while (checkpointWake.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                checkpointWake.Reader.TryRead(out _);
                CheckpointIfDue(Interlocked.Exchange(ref checkpointForced, 0) == 1);
            }

            if (Volatile.Read(ref failure) is null && tree.Size > lastCheckpointSize)
            {
                WriteCheckpoint();
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private void CheckpointIfDue(bool forced)
    {
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
        var checkpoint = new SignedCheckpoint(note, body);
        checkpoints.Append(checkpoint);
        Volatile.Write(ref latest, checkpoint);
        Volatile.Write(ref lastCheckpointSize, size);
        lastCheckpointTimestamp = options.Time.GetTimestamp();
        Interlocked.Exchange(ref checkpointSignal, NewSignal()).TrySetResult();
    }
}
