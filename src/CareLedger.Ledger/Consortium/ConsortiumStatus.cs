namespace CareLedger.Ledger.Consortium;

/// <summary>
/// A consortium member's view of its network, for /health, /metrics and <c>careledger network status</c>: where it
/// stands in the stream, what is committed, whether NATS is reachable, and how much waits.
/// </summary>
public sealed record ConsortiumStatus(
    string Network,
    string Member,
    ulong StreamSequence,
    long CommittedSize,
    bool Connected,
    int PendingSubmissions,
    int CosignaturesAhead,
    string? LastError);
