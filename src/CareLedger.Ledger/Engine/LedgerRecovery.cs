namespace CareLedger.Ledger.Engine;

/// <summary>
/// A fault a consortium member recovered from by itself, without halting (ADR 0005): the network's stream replaced
/// messages this member had applied but never cosigned, so it rolled its log and state back to
/// <see cref="RolledBackTo"/> leaves and followed the stream from there. <see cref="DroppedLeaves"/> transactions
/// were taken out (and published to the stream again: those it still lacks are applied anew). The description
/// names stream sequences and sizes only, never personal data.
/// </summary>
public sealed record LedgerRecovery(string Kind, long RolledBackTo, long DroppedLeaves, ulong ContradictedSequence, string Description, DateTimeOffset RecoveredAt)
{
    /// <summary>The stream replaced a suffix this member had applied and never cosigned: it was rolled back.</summary>
    public const string StreamRollback = "stream-rollback";
}
