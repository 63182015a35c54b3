using CareLedger.Access.Audit;
using CareLedger.Access.Audit.Receipts;
using static CareLedger.Access.Tests.Audit.AuditDatabaseFile;

namespace CareLedger.Access.Tests.Audit;

/// <summary>
/// Queries by accessor through the time ranges each batch keeps of its accessors' records (ADR 0024, audit schema 5), and
/// of break-glass records (the partial index, kept): every such query equals a reference computed from every kept record,
/// across batches whose ranges overlap (records up to 30 ms out of order), before and after the patient index's merge
/// and an erasure; and a version 4 database migrates with the same answers.
/// </summary>
public class AuditBatchKeyTests
{
    [Fact]
    public async Task Queries_by_accessor_and_of_break_glass_records_match_the_reference_across_overlapping_batches_merges_and_an_erasure()
    {
        await using var node = await AuditTestNode.StartAsync(AuditTestNode.NeverMerged);
        var start = AuditRecords.TenMinutesAgo();
        var first = AuditPatientIndexTests.Mixed(start, 0, 60);
        await node.RecordAsync(first);
        AssertEveryQueryMatchesTheReference(node, start, first, forgotten: []);

        // Small batches, the later ones shifted back into the times of the earlier: their ranges overlap.
        var all = first.ToList();
        for (var batch = 0; batch < 8; batch++)
        {
            var records = AuditPatientIndexTests.Mixed(start, 60 + batch * 9, 9, shift: 30);
            await node.RecordAsync(records);
            all.AddRange(records);
        }

        Assert.Equal(9L, Scalar(node.DatabasePath, "SELECT count(*) FROM audit_batches"));
        // Every batch's accessor rows bound exactly its records of that accessor.
        Assert.Equal(0L, Scalar(node.DatabasePath, """
            SELECT count(*) FROM (
                SELECT accessor, max(time_ms) AS hi, place / 65536 AS number, min(time_ms) AS lo FROM audit_records GROUP BY place / 65536, accessor
                EXCEPT SELECT accessor, max_time_ms, number, min_time_ms FROM audit_batch_accessors)
            """));
        Assert.Equal(Scalar(node.DatabasePath, "SELECT count(*) FROM (SELECT DISTINCT place / 65536, accessor FROM audit_records)"),
            Scalar(node.DatabasePath, "SELECT count(*) FROM audit_batch_accessors"));
        AssertEveryQueryMatchesTheReference(node, start, all, forgotten: []);

        await node.Trail.MergePatientIndexAsync();
        AssertEveryQueryMatchesTheReference(node, start, all, forgotten: []);

        await node.Trail.ForgetPatientAsync(AuditRecords.PatientA);
        var forgotten = all.Where(r => r.Patient == AuditRecords.PatientA).ToList();
        AssertEveryQueryMatchesTheReference(node, start, all, forgotten);
        var check = AuditReceipts.Verify(await node.ReceiptAsync(all[^2].Id), node.LogVerifierKey);
        Assert.True(check.Valid, string.Join("; ", check.Problems));
    }

    [Fact]
    public async Task A_version_4_database_is_migrated_with_the_same_answers_and_receipts()
    {
        await using var node = await AuditTestNode.StartAsync(AuditTestNode.NeverMerged);
        var start = AuditRecords.TenMinutesAgo();
        var merged = AuditPatientIndexTests.Mixed(start, 0, 50);
        await node.RecordAsync(merged);
        await node.Trail.MergePatientIndexAsync();
        var tail = AuditPatientIndexTests.Mixed(start, 50, 20, shift: 25);
        await node.RecordAsync(tail);
        await node.Trail.ForgetPatientAsync(AuditRecords.PatientC);
        var all = merged.Concat(tail).ToList();
        var forgotten = all.Where(r => r.Patient == AuditRecords.PatientC).ToList();
        var before = Answers(node, start, all);
        await node.Trail.DisposeAsync();
        AuditSchemaDowngrade.ToVersion4(node.DatabasePath);
        Assert.Equal(4L, Scalar(node.DatabasePath, "PRAGMA user_version"));
        Assert.Equal(1L, Scalar(node.DatabasePath, "SELECT count(*) FROM sqlite_schema WHERE name = 'audit_records_by_accessor'"));

        await node.ReopenTrailAsync(AuditTestNode.NeverMerged);

        Assert.Equal(5L, Scalar(node.DatabasePath, "PRAGMA user_version"));
        Assert.Equal(0L, Scalar(node.DatabasePath, "SELECT count(*) FROM sqlite_schema WHERE name = 'audit_records_by_accessor'"));
        Assert.Equal(1L, Scalar(node.DatabasePath, "SELECT count(*) FROM sqlite_schema WHERE name = 'audit_records_break_glass'"));
        // Two batches, each with the accessors of Mixed (clinicians 1, 2, 3 and the researcher).
        Assert.Equal(8L, Scalar(node.DatabasePath, "SELECT count(*) FROM audit_batch_accessors"));
        Assert.Equal(before, Answers(node, start, all));
        AssertEveryQueryMatchesTheReference(node, start, all, forgotten);
        foreach (var record in new[] { merged[1], tail[1] })
        {
            var check = AuditReceipts.Verify(await node.ReceiptAsync(record.Id), node.LogVerifierKey);
            Assert.True(check.Valid, string.Join("; ", check.Problems));
        }

        // The migrated trail goes on.
        var later = AuditPatientIndexTests.Mixed(start, 70, 20);
        await node.RecordAsync(later);
        AssertEveryQueryMatchesTheReference(node, start, all.Concat(later).ToList(), forgotten);
        await node.Trail.MergePatientIndexAsync();
        AssertEveryQueryMatchesTheReference(node, start, all.Concat(later).ToList(), forgotten);
    }

    /// <summary>The queries by accessor and of break-glass records, with limits that cut inside the merged part and the tail.</summary>
    private static IEnumerable<AuditQuery> IndexedQueries(DateTimeOffset start)
    {
        foreach (var accessor in new[] { "account-clinician-1", "account-clinician-2", "account-clinician-3", "account-researcher-1", "nobody" })
        {
            foreach (var limit in new[] { 1, 7, 25, AuditQuery.MaxLimit })
            {
                yield return new AuditQuery { AccessorSubject = accessor, Limit = limit };
            }

            yield return new AuditQuery { AccessorSubject = accessor, From = start.AddMilliseconds(20), Limit = 100 };
            yield return new AuditQuery { AccessorSubject = accessor, From = start.AddMilliseconds(10), To = start.AddMilliseconds(75), Limit = 5 };
            yield return new AuditQuery { AccessorSubject = accessor, Outcome = AuditOutcome.Deny, Limit = 100 };
            yield return new AuditQuery { AccessorSubject = accessor, BreakGlass = true, Limit = 100 };
        }

        foreach (var limit in new[] { 1, 3, 7, AuditQuery.MaxLimit })
        {
            yield return new AuditQuery { BreakGlass = true, Limit = limit };
        }

        yield return new AuditQuery { BreakGlass = true, From = start.AddMilliseconds(30), Limit = 100 };
        yield return new AuditQuery { BreakGlass = true, To = start.AddMilliseconds(90), Limit = 2 };
        yield return new AuditQuery { BreakGlass = true, Outcome = AuditOutcome.Deny, Limit = 100 };
    }

    /// <summary>
    /// Each query against the reference — every kept record (the query by time alone, which reads no accessor's or
    /// break-glass ranges), filtered here, newest first, cut at the limit — and every record found by id as in the
    /// reference (a forgotten one not at all).
    /// </summary>
    private static void AssertEveryQueryMatchesTheReference(AuditTestNode node, DateTimeOffset start, List<AuditRecord> recorded, List<AuditRecord> forgotten)
    {
        var all = node.Trail.Query(new AuditQuery { Limit = AuditQuery.MaxLimit });
        Assert.Equal(recorded.Count - forgotten.Count, all.Count);
        foreach (var q in IndexedQueries(start))
        {
            var expected = all
                .Where(e => q.Matches(e.Record))
                .Take(q.Limit)
                .Select(AuditRecords.Key)
                .ToList();
            Assert.Equal(expected, node.Trail.Query(q).Select(AuditRecords.Key).ToList());
        }

        var byId = all.ToDictionary(e => e.Record.Id, AuditRecords.Key);
        foreach (var record in recorded)
        {
            var found = node.Trail.Find(record.Id);
            if (forgotten.Contains(record))
            {
                Assert.Null(found);
                Assert.Null(node.Trail.GetReceipt(record.Id));
            }
            else
            {
                Assert.Equal(byId[record.Id], AuditRecords.Key(found!));
            }
        }
    }

    private static List<string> Answers(AuditTestNode node, DateTimeOffset start, List<AuditRecord> recorded) =>
        IndexedQueries(start).Select(q => string.Join(",", node.Trail.Query(q).Select(AuditRecords.Key)))
            .Concat(recorded.Select(r => node.Trail.Find(r.Id) is { } e ? AuditRecords.Key(e) : "-"))
            .ToList();
}
