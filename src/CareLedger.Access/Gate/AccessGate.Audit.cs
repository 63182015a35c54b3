using CareLedger.Access.Audit;

namespace CareLedger.Access.Gate;

public sealed partial class AccessGate
{
    private static AuditRecord Build(GateCall call, AccessAction action, GateDecision decision, Compartment compartment,
        string? resourceType, string? resourceId, int disclosed, int withheld, string? detail) =>
        Build(call, action, decision.Permitted ? AuditOutcome.Permit : AuditOutcome.Deny, compartment.Pseudonym, resourceType,
            resourceId, disclosed, withheld, decision.BreakGlass, decision.Reasons, detail);

    private static AuditRecord Build(GateCall call, AccessAction action, AuditOutcome outcome, byte[]? patient, string? resourceType,
        string? resourceId, int disclosed, int withheld, bool breakGlass, IReadOnlyList<string> reasons, string? detail) =>
        new(
            Guid.CreateVersion7(call.Now),
            call.Now,
            action,
            outcome,
            call.Who.Subject,
            call.Who.Role,
            call.Who.Reference,
            call.Who.Organisation,
            call.Purpose.Code,
            patient,
            resourceType,
            resourceId,
            disclosed,
            withheld,
            breakGlass,
            reasons,
            detail,
            call.Context.RequestId);

    /// <summary>Records the decision; when the trail cannot, the door refuses: nothing is disclosed or changed.</summary>
    private Guid Keep(AuditRecord record)
    {
        try
        {
            _audit.Record(record);
            return record.Id;
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                "The audit trail did not record the access decision, so the door refuses: nothing was disclosed or changed.", e);
        }
    }

    private static AccessDeniedException Refuse(Guid auditId, GateDecision refusal) =>
        new(403, $"Access denied: {refusal.Summary}.", refusal.Reasons, auditId, refusal.RequiredScope);
}
