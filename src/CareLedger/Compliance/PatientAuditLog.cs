using CareLedger.Access.Audit;

namespace CareLedger.Compliance;

/// <summary>A patient's whole access log over a period, read from the audit trail page by page.</summary>
internal static class PatientAuditLog
{
    /// <summary>
    /// Every written audit record of the patient at or after <paramref name="from"/>, newest first. Pages end at the
    /// trail's limit; the next page repeats the last page's final millisecond (records are kept by the millisecond) and
    /// skips what it already holds.
    /// </summary>
    public static List<AuditEntry> Read(AuditTrail trail, byte[] pseudonym, DateTimeOffset? from, AuditOutcome? outcome = null)
    {
        var seen = new HashSet<Guid>();
        var entries = new List<AuditEntry>();
        DateTimeOffset? to = null;
        while (true)
        {
            var page = trail.Query(new AuditQuery { Patient = pseudonym, From = from, To = to, Outcome = outcome, Limit = AuditQuery.MaxLimit });
            var added = 0;
            foreach (var entry in page)
            {
                if (seen.Add(entry.Record.Id))
                {
                    entries.Add(entry);
                    added++;
                }
            }

            if (page.Count < AuditQuery.MaxLimit || added == 0)
            {
                return entries;
            }

            to = page[^1].Record.Time.AddMilliseconds(1);
        }
    }
}
