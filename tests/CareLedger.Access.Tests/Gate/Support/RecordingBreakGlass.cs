using CareLedger.Access.BreakGlass;
using CareLedger.Access.Callers;
using CareLedger.Access.Gate;

namespace CareLedger.Access.Tests.Gate.Support;

/// <summary>An in-test break-glass register: keeps every opening the door makes.</summary>
public sealed class RecordingBreakGlass : IBreakGlassGrants
{
    private readonly List<(BreakGlassGrant Grant, Guid AuditId)> _opened = [];

    public IReadOnlyList<(BreakGlassGrant Grant, Guid AuditId)> Opened => _opened;

    public BreakGlassGrant Open(Accessor who, byte[] patient, BreakGlassRequest request, Guid auditId, DateTimeOffset now)
    {
        var grant = new BreakGlassGrant(Guid.NewGuid(), who.Subject, who.Reference, patient, request.Reason, now, request.ExpiresAt);
        _opened.Add((grant, auditId));
        return grant;
    }
}
