using CareLedger.Access.Callers;
using CareLedger.Access.Gate;

namespace CareLedger.Access.BreakGlass;

/// <summary>The record of break-glass openings (implemented by <c>BreakGlassRegistry</c>).</summary>
public interface IBreakGlassGrants
{
    /// <summary>
    /// Records that <paramref name="who"/> opened the patient's record in an emergency (the door calls this only once the
    /// consent engine accepted the claim), and notifies the patient and the privacy officer. Opening again while a grant
    /// of the same accessor on the same patient is active returns that grant (one notification per emergency).
    /// </summary>
    BreakGlassGrant Open(Accessor who, byte[] patient, BreakGlassRequest request, Guid auditId, DateTimeOffset now);
}
