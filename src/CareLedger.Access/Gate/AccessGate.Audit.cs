using CareLedger.Access.Callers;
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
            AuditIds.New(call.Now),
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

    /// <summary>
    /// Records a refusal decided before or beside the door: a request whose token the node could not authenticate, or a
    /// role an endpoint outside the record store turns away (the access log, delegations, reports, credentials). So
    /// every refusal is in the trail, not only the door's own. Nothing is disclosed; the caller learns nothing from it.
    /// </summary>
    /// <param name="patientId">The patient the request named, if any (recorded by pseudonym, when they have records here).</param>
    /// <param name="detail">A fixed description such as the route template; never a value the caller sent.</param>
    /// <returns>The id of the audit record.</returns>
    /// <exception cref="InvalidOperationException">The audit trail could not record it.</exception>
    public Guid RecordRefusal(Accessor who, string? requestId, AccessAction action, string? resourceType, string? patientId, string reason, string detail)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var call = Begin(who, new AccessContext(RequestId: requestId));
        var patient = patientId is null ? null : _vault.TryGetPseudonym(patientId);
        return Keep(Build(call, action, AuditOutcome.Deny, patient, resourceType, null, 0, 0, breakGlass: false, [reason], detail));
    }

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
