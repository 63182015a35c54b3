using CareLedger.Storage;

namespace CareLedger.Ledger.Engine;

/// <summary>How a node's ledger engine runs; <see cref="DataDirectory"/> holds log/, merkle/, state.db, checkpoints/ and keys/.</summary>
public sealed record LedgerOptions(string DataDirectory)
{
    /// <summary>
    /// Keeps the ledger state in this PostgreSQL schema instead of DATA/state.db (docs/adr/0006). The log, the tree,
    /// the checkpoints and the keys stay files in <see cref="DataDirectory"/> either way.
    /// </summary>
    public PostgresStore? Postgres { get; init; }

    /// <summary>A checkpoint is signed once this many transactions were added since the last one...</summary>
    public int CheckpointEveryTransactions { get; init; } = 1000;

    /// <summary>...or once this much time has passed with new transactions, whichever comes first.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The most transactions the sequencer validates, writes and fsyncs together (group commit).</summary>
    public int MaxBatch { get; init; } = 2048;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How a consortium member reaches its network's JetStream (null: a single node, ordered in process).</summary>
    public Consortium.ConsortiumOptions? Consortium { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(DataDirectory, nameof(DataDirectory));
        ArgumentOutOfRangeException.ThrowIfLessThan(CheckpointEveryTransactions, 1, nameof(CheckpointEveryTransactions));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CheckpointInterval, TimeSpan.Zero, nameof(CheckpointInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatch, 1, nameof(MaxBatch));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBatch, 65_536, nameof(MaxBatch));
        ArgumentNullException.ThrowIfNull(Time, nameof(Time));
        Consortium?.Validate();
    }
}
