namespace CareLedger.Ledger.Consortium.Ordering;

/// <summary>Where and how a consortium network's transactions are ordered in JetStream.</summary>
public sealed record JetStreamOrdererOptions
{
    public JetStreamOrdererOptions(string network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.Length is 0 or > 64 || !network.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
            throw new ArgumentException($"Network name '{network}' must be 1 to 64 of a-z, 0-9, '-' and '_' (it becomes a subject token and a stream name).", nameof(network));
        Network = network;
        StreamName = "careledger-" + network;
    }

    public string Network { get; }

    public string Subject => $"careledger.{Network}.tx";

    public string StreamName { get; init; }

    /// <summary>3 in production, so the stream survives the loss of one server; 1 with a single test server.</summary>
    public int Replicas { get; init; } = 3;

    /// <summary>How long JetStream remembers batch ids to drop a retried publish.</summary>
    public TimeSpan DuplicateWindow { get; init; } = TimeSpan.FromMinutes(2);
}
