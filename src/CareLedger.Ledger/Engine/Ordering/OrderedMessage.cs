namespace CareLedger.Ledger.Engine.Ordering;

/// <summary>
/// Transactions in the order the sequencer must judge them. For the embedded ordering, one drained batch of the
/// local queue; for a consortium, one message of the network's stream with its sequence, its stream time (Unix
/// milliseconds, assigned by the stream and identical for every member) and the SHA-256 of its bytes.
/// </summary>
internal sealed class OrderedMessage
{
    public OrderedMessage(IReadOnlyList<OrderedEntry> entries)
    {
        Entries = entries;
        Hash = [];
    }

    public OrderedMessage(ulong streamSequence, long streamTimeMs, byte[] hash, IReadOnlyList<OrderedEntry> entries, bool isTick)
    {
        StreamSequence = streamSequence;
        StreamTimeMs = streamTimeMs;
        Hash = hash;
        Entries = entries;
        IsTick = isTick;
    }

    /// <summary>Not a message: the stream contradicts what this member applied, and the sequencer is to roll back (ADR 0005).</summary>
    public OrderedMessage(StreamRollback rollback)
    {
        Entries = [];
        Hash = [];
        Rollback = rollback;
    }

    public IReadOnlyList<OrderedEntry> Entries { get; }

    /// <summary>Set on a rollback request, which the sequencer handles alone, after everything delivered before it.</summary>
    public StreamRollback? Rollback { get; }

    /// <summary>0 for the embedded ordering; from 1 in a stream.</summary>
    public ulong StreamSequence { get; }

    public long StreamTimeMs { get; }

    public byte[] Hash { get; }

    /// <summary>A checkpoint tick: no transactions, but a checkpoint is due after it if the tree grew.</summary>
    public bool IsTick { get; }
}
