namespace CareLedger.Ledger.Consortium;

/// <summary>
/// How a consortium member reaches its network's JetStream. The network's name, origin, quorum and checkpoint
/// policy are not here: they come from the genesis, so that no member's settings can make it disagree.
/// </summary>
public sealed record ConsortiumOptions(string NatsUrl)
{
    /// <summary>Replicas of the network's two streams: 3 in production (one server may fail); 1 with a single test server.</summary>
    public int Replicas { get; init; } = 3;

    /// <summary>How long JetStream remembers a batch id to drop a retried publish.</summary>
    public TimeSpan DuplicateWindow { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The most transactions one stream message carries.</summary>
    public int MaxPublishBatch { get; init; } = 1024;

    /// <summary>How long the publisher waits for more submissions before it sends a message that is not full.</summary>
    public TimeSpan PublishLinger { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>How many batches may await their JetStream acknowledgement at once.</summary>
    public int MaxPublishesInFlight { get; init; } = 8;

    /// <summary>How often pending cosignatures are compared with this member's tree as it grows (divergence).</summary>
    public TimeSpan DivergenceCheckInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(NatsUrl, nameof(NatsUrl));
        ArgumentOutOfRangeException.ThrowIfLessThan(Replicas, 1, nameof(Replicas));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DuplicateWindow, TimeSpan.Zero, nameof(DuplicateWindow));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPublishBatch, 1, nameof(MaxPublishBatch));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxPublishBatch, Ordering.TransactionBatch.MaxTransactions, nameof(MaxPublishBatch));
        ArgumentOutOfRangeException.ThrowIfLessThan(PublishLinger, TimeSpan.Zero, nameof(PublishLinger));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPublishesInFlight, 1, nameof(MaxPublishesInFlight));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DivergenceCheckInterval, TimeSpan.Zero, nameof(DivergenceCheckInterval));
    }
}
