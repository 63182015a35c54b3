using CareLedger.Access.Audit;
using CareLedger.Access.Callers;
using CareLedger.Access.Gate;

namespace CareLedger.Access.Tests.Audit;

/// <summary>Audit records as the door writes them, with nothing personal in them.</summary>
internal static class AuditRecords
{
    public static readonly byte[] PatientA = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
    public static readonly byte[] PatientB = Enumerable.Range(101, 16).Select(i => (byte)i).ToArray();
    public static readonly byte[] PatientC = Enumerable.Range(201, 16).Select(i => (byte)i).ToArray();

    /// <summary>Ten minutes ago, in whole milliseconds (as records keep their times).</summary>
    public static DateTimeOffset TenMinutesAgo() =>
        DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds());

    /// <summary>An answer's record with its place and anchor, to compare two answers entry by entry.</summary>
    public static string Key(AuditEntry e) => $"{e.Record.Id}@{e.Batch}/{e.Index}/{e.Transaction}/{e.LeafIndex}";

    /// <summary>
    /// Whether <paramref name="r"/> passes every filter <paramref name="q"/> sets (its limit and order aside): the
    /// reference the query tests compute their expected answers with.
    /// </summary>
    public static bool Matches(this AuditQuery q, AuditRecord r) =>
        (q.Patient is null || (r.Patient is { } p && p.AsSpan().SequenceEqual(q.Patient)))
        && (q.AccessorSubject is null || r.AccessorSubject == q.AccessorSubject)
        && (q.From is null || r.Time >= q.From)
        && (q.To is null || r.Time < q.To)
        && (q.Outcome is null || r.Outcome == q.Outcome)
        && (q.Action is null || r.Action == q.Action)
        && (q.BreakGlass is null || r.BreakGlass == q.BreakGlass);

    public static AuditRecord Read(byte[]? patient, DateTimeOffset? time = null, string subject = "account-clinician-1") => new(
        Guid.CreateVersion7(),
        time ?? DateTimeOffset.UtcNow,
        AccessAction.Read,
        AuditOutcome.Permit,
        subject,
        CareLedgerRole.Clinician,
        "Practitioner/p-1",
        "Test Hospital",
        "TREAT",
        patient,
        "Observation",
        "obs-1",
        Disclosed: 1,
        Withheld: 0,
        BreakGlass: false,
        ["consent permits TREAT for the care team"],
        Detail: null,
        RequestId: "req-1");

    public static AuditRecord Denied(byte[]? patient, DateTimeOffset? time = null) =>
        Read(patient, time, "account-researcher-1") with
        {
            Action = AccessAction.Search,
            Outcome = AuditOutcome.Deny,
            AccessorRole = CareLedgerRole.Researcher,
            AccessorReference = null,
            Purpose = "HRESCH",
            ResourceId = null,
            Disclosed = 0,
            Reasons = ["no consent provision permits HRESCH"],
            Detail = "search Observation",
        };

    public static AuditRecord BreakGlass(byte[]? patient, DateTimeOffset? time = null) =>
        Read(patient, time, "account-clinician-2") with
        {
            Purpose = "ETREAT",
            BreakGlass = true,
            Reasons = ["break-glass: emergency access claimed"],
        };
}
