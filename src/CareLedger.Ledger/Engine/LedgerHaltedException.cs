namespace CareLedger.Ledger.Engine;

/// <summary>A consortium member raised an alarm and accepts no writes until an operator has looked at the evidence.</summary>
public sealed class LedgerHaltedException(LedgerAlarm alarm)
    : Exception($"this member halted on an alarm ({alarm.Kind}): {alarm.Description}; it accepts no writes until an operator has looked at the evidence")
{
    public LedgerAlarm Alarm { get; } = alarm;
}
