namespace CareLedger.Access.Audit;

/// <summary>Where the door writes its decisions (implemented by <c>AuditTrail</c>: kept, then anchored on the ledger).</summary>
public interface IAuditTrail
{
    /// <summary>Keeps the record; it becomes durable and anchored within the trail's batch interval.</summary>
    /// <exception cref="InvalidOperationException">The trail is stopped or failed: the door must refuse (fail closed).</exception>
    void Record(AuditRecord record);
}
