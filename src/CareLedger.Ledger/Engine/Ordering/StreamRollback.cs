using CareLedger.Ledger.State;

namespace CareLedger.Ledger.Engine.Ordering;

/// <summary>
/// A consortium member's request to its sequencer (ADR 0005): stream message <see cref="ContradictedSequence"/> is not
/// what this member applied there (or the stream no longer reaches it). The sequencer answers with the position it
/// rolled back to, from which the stream is read again, or null when it halted instead (the contradiction reaches a
/// size this member cosigned or holds a commit of).
/// </summary>
internal sealed class StreamRollback(ulong contradictedSequence, string description)
{
    public ulong ContradictedSequence { get; } = contradictedSequence;

    /// <summary>What contradicts what, for the log line and, if the member halts, the alarm.</summary>
    public string Description { get; } = description;

    public TaskCompletionSource<OrderingPosition?> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
