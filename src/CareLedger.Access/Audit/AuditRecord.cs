using CareLedger.Access.Callers;
using CareLedger.Access.Gate;

namespace CareLedger.Access.Audit;

/// <summary>
/// One decision of the door, as it is kept and anchored. No personal data: the patient appears only as the vault's
/// random pseudonym, the accessor as an opaque subject and a FHIR reference, and <see cref="Detail"/> never carries
/// search values or clinical content.
/// </summary>
/// <param name="Patient">The patient's pseudonym (16 bytes), or null for data outside any patient compartment.</param>
/// <param name="ResourceId">The record read or written; null for a search, history page or export over many.</param>
/// <param name="Disclosed">How many records were disclosed (reads) or written (writes).</param>
/// <param name="Withheld">How many matching records were withheld by consent (searches, exports).</param>
/// <param name="Reasons">Every reason of the decision in plain words.</param>
/// <param name="Detail">A fixed description such as "search Observation" or "GDPR export"; never a search value.</param>
public sealed record AuditRecord(
    Guid Id,
    DateTimeOffset Time,
    AccessAction Action,
    AuditOutcome Outcome,
    string AccessorSubject,
    CareLedgerRole AccessorRole,
    string? AccessorReference,
    string? Organisation,
    string Purpose,
    byte[]? Patient,
    string? ResourceType,
    string? ResourceId,
    int Disclosed,
    int Withheld,
    bool BreakGlass,
    IReadOnlyList<string> Reasons,
    string? Detail,
    string? RequestId);
