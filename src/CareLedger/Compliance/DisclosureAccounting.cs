using System.Globalization;
using CareLedger.Access.Audit;
using CareLedger.Access.Gate;

namespace CareLedger.Compliance;

/// <summary>
/// The HIPAA accounting of disclosures (45 CFR 164.528) of one patient, from the audit trail: every permitted access
/// that disclosed at least one record to anyone other than the patient themself — clinicians, delegates, researchers,
/// systems, other members — over the last six years, newest first. Writes are not disclosures and are left out;
/// refusals disclosed nothing. Treatment disclosures, which 164.528(a)(1)(i) lets a covered entity omit, are kept and
/// marked by their purpose: the patient was promised to see every access.
/// </summary>
internal static class DisclosureAccounting
{
    public const int Years = 6;

    private static readonly Dictionary<string, string> PurposeMeanings = new(StringComparer.Ordinal)
    {
        ["TREAT"] = "treatment",
        ["ETREAT"] = "emergency treatment",
        ["HPAYMT"] = "healthcare payment",
        ["HOPERAT"] = "healthcare operations",
        ["HRESCH"] = "healthcare research",
        ["CLINTRCH"] = "clinical trial research",
        ["PUBHLTH"] = "public health",
        ["PATRQT"] = "patient request",
        ["FAMRQT"] = "family request",
        ["PWATRNY"] = "power of attorney",
        ["SUPNWK"] = "support network",
        ["COC"] = "coordination of care",
        ["HLEGAL"] = "legal",
    };

    public static DateTimeOffset PeriodStart(DateTimeOffset now) => now.AddYears(-Years);

    public static IReadOnlyList<AccountedDisclosure> For(AuditTrail trail, byte[] pseudonym, DateTimeOffset now) =>
        [.. PatientAuditLog.Read(trail, pseudonym, PeriodStart(now), AuditOutcome.Permit)
            .Select(e => e.Record)
            .Where(IsDisclosure)
            .Select(ToLine)];

    private static bool IsDisclosure(AuditRecord record) =>
        record.Outcome == AuditOutcome.Permit
        && record.Disclosed > 0
        && record.AccessorRole != CareLedgerRole.Patient
        && record.Action is not (AccessAction.Create or AccessAction.Update or AccessAction.Delete);

    private static AccountedDisclosure ToLine(AuditRecord record) => new(
        record.Time,
        record.AccessorReference ?? record.AccessorSubject,
        record.AccessorRole.ToName(),
        record.Organisation,
        PurposeMeanings.TryGetValue(record.Purpose, out var meaning) ? $"{record.Purpose} ({meaning})" : record.Purpose,
        Describe(record),
        record.Id,
        record.BreakGlass);

    private static string Describe(AuditRecord record)
    {
        var verb = record.Action.ToString().ToLowerInvariant();
        var what = record.Detail ?? (record.ResourceType, record.ResourceId) switch
        {
            ({ } type, { } id) => $"{verb} {type}/{id}",
            ({ } type, null) => $"{verb} {type}",
            _ => verb,
        };
        var count = record.Disclosed.ToString(CultureInfo.InvariantCulture);
        return $"{what}: {count} record{(record.Disclosed == 1 ? "" : "s")} disclosed{(record.BreakGlass ? " under break-glass (emergency access)" : "")}";
    }
}
