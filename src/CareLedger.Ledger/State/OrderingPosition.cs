namespace CareLedger.Ledger.State;

/// <summary>
/// Where a consortium member stands in its network's stream, saved in the same state transaction as the
/// transactions it produced (ADR 0005): the last stream message applied, the SHA-256 of that message (so that a
/// resumed stream can be checked against it), and the checkpoint schedule (the size of the last checkpoint decided
/// and the stream time, in Unix milliseconds, of the message that decided it).
/// </summary>
public sealed record OrderingPosition(ulong StreamSequence, byte[] MessageHash, long CheckpointSize, long CheckpointStreamMs)
{
    /// <summary>A member that has applied its genesis and nothing from the stream; the genesis (size 1) is the first checkpoint.</summary>
    public static OrderingPosition AfterGenesis { get; } = new(0, new byte[32], 1, 0);
}
