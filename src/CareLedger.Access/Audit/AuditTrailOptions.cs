namespace CareLedger.Access.Audit;

/// <summary>How an <see cref="AuditTrail"/> batches its records onto the ledger.</summary>
public sealed record AuditTrailOptions
{
    public static AuditTrailOptions Default { get; } = new();

    /// <summary>A batch is written and anchored at most this long after its first record was queued...</summary>
    public TimeSpan BatchInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>...or as soon as this many records wait, whichever comes first (one ledger transaction per batch).</summary>
    public int MaxBatch { get; init; } = 4096;

    /// <summary>
    /// Records queued and not yet written. When full, <see cref="AuditTrail.Record"/> waits (backpressure on the door)
    /// rather than dropping a record.
    /// </summary>
    public int QueueCapacity { get; init; } = 65_536;

    /// <summary>
    /// The patient index (ADR 0018) is merged once this many records wait outside it (in the same transaction as the
    /// batch that reaches the count), and when the trail has been idle for <see cref="PatientIndexIdleMerge"/>. Until
    /// then every query by patient also scans them, so a larger figure writes less per record and scans more per query.
    /// </summary>
    public int PatientIndexMergeRecords { get; init; } = 4096;

    /// <summary>How long the trail waits without a record before it merges what waits outside the patient index.</summary>
    public TimeSpan PatientIndexIdleMerge { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The write-ahead log is checkpointed (PASSIVE, on a thread of its own, ADR 0020) once this many records have been
    /// written since the last checkpoint.
    /// </summary>
    public int CheckpointRecords { get; init; } = 4096;

    /// <summary>
    /// Fault injection for tests: called with the batch number after a batch is durable in SQLite and before its
    /// anchor is submitted; an exception here stops the trail exactly as a crash at that point would.
    /// </summary>
    internal Action<long>? AfterBatchWritten { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(BatchInterval, TimeSpan.Zero, nameof(BatchInterval));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BatchInterval, TimeSpan.FromMinutes(1), nameof(BatchInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatch, 1, nameof(MaxBatch));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBatch, (int)Storage.AuditSchema.PlacesPerBatch, nameof(MaxBatch));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, MaxBatch, nameof(QueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(PatientIndexMergeRecords, 1, nameof(PatientIndexMergeRecords));
        ArgumentOutOfRangeException.ThrowIfLessThan(CheckpointRecords, 1, nameof(CheckpointRecords));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PatientIndexIdleMerge, TimeSpan.Zero, nameof(PatientIndexIdleMerge));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PatientIndexIdleMerge, TimeSpan.FromDays(1), nameof(PatientIndexIdleMerge));
    }
}
