namespace CareLedger.Ledger.State;

internal enum RuleOutcome
{
    Accepted,
    AlreadyApplied,
    Rejected,
}
