namespace CareLedger.Ledger.Engine.Ordering;

/// <summary>
/// A consortium's deterministic checkpoint rule (ADR 0005): after a stream message that grew the tree, a checkpoint
/// is due when the tree grew by <see cref="Every"/> since the last one, when the message's stream time is
/// <see cref="IntervalMs"/> or more after the message that decided the last one, or when the message is a tick.
/// It reads nothing but the stream and the tree, so every member decides the same sizes.
/// </summary>
internal sealed class CheckpointSchedule(int every, int intervalMs, long size, long streamMs)
{
    public int Every { get; } = every;

    public int IntervalMs { get; } = intervalMs;

    /// <summary>The size of the last checkpoint decided.</summary>
    public long Size { get; private set; } = size;

    /// <summary>The stream time of the message after which it was decided.</summary>
    public long StreamMs { get; private set; } = streamMs;

    /// <summary>Whether a checkpoint of <paramref name="treeSize"/> is due after this message; if so, it becomes the last one decided.</summary>
    public bool AtMessageEnd(long treeSize, long messageStreamMs, bool isTick)
    {
        if (treeSize <= Size)
        {
            return false;
        }

        if (treeSize - Size < Every && messageStreamMs - StreamMs < IntervalMs && !isTick)
        {
            return false;
        }

        Size = treeSize;
        StreamMs = messageStreamMs;
        return true;
    }
}
