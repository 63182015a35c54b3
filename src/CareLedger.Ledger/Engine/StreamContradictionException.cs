namespace CareLedger.Ledger.Engine;

/// <summary>Thrown on the sequencer's thread when the stream contradicts the member's log; it halts the member.</summary>
internal sealed class StreamContradictionException(LedgerAlarm alarm) : Exception(alarm.Description)
{
    public LedgerAlarm Alarm { get; } = alarm;
}
