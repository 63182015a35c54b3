namespace CareLedger.Compliance;

/// <summary>One line of a HIPAA accounting of disclosures (45 CFR 164.528(b)): when, to whom, why, what, and the audit record.</summary>
/// <param name="Recipient">The recipient's FHIR reference (Practitioner/…, RelatedPerson/…), or their opaque subject.</param>
/// <param name="Purpose">The purpose of use: its v3 ActReason code and, for the common ones, its meaning.</param>
/// <param name="Description">What was disclosed: the kind of access, the resource type (and id), how many records.</param>
internal sealed record AccountedDisclosure(
    DateTimeOffset Date,
    string Recipient,
    string RecipientRole,
    string? RecipientOrganisation,
    string Purpose,
    string Description,
    Guid AuditId,
    bool BreakGlass);
