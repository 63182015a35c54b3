namespace CareLedger.Access.Audit;

/// <summary>What the door decided.</summary>
public enum AuditOutcome
{
    Permit = 1,
    Deny = 2,
}
