namespace CareLedger.Ledger.Engine;

/// <summary>
/// What a load run measured: durable transactions per second and the submit-to-durable latency percentiles
/// (from the call to <see cref="LedgerEngine.SubmitAsync"/> until its acknowledgement, i.e. after fsync).
/// </summary>
public sealed record LoadResult(
    int Transactions,
    int Concurrency,
    int TransactionBytes,
    TimeSpan Elapsed,
    double TransactionsPerSecond,
    TimeSpan P50,
    TimeSpan P99,
    TimeSpan Max,
    TimeSpan SigningTime);
