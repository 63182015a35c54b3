using CareLedger.Access.Audit;
using CareLedger.Access.Audit.Receipts;
using CareLedger.Access.Gate;
using Microsoft.Data.Sqlite;
using static CareLedger.Access.Tests.Audit.AuditDatabaseFile;

namespace CareLedger.Access.Tests.Audit;

/// <summary>
/// The patient index merged every few thousand records (ADR 0018): every query by patient answers the same whether its
/// records are merged, unmerged or partly each, after a crash between a batch and its merge, and after the migration of
/// a version 2 database; erasure reaches the unmerged records too.
/// </summary>
public class AuditPatientIndexTests
{
    [Fact]
    public async Task Queries_by_patient_answer_the_same_unmerged_merged_and_partly_merged()
    {
        await using var node = await AuditTestNode.StartAsync(AuditTestNode.NeverMerged);
        var start = AuditRecords.TenMinutesAgo();
        var first = Mixed(start, 0, 60);
        await node.RecordAsync(first);
        AssertEveryQueryMatchesTheReference(node, start);
        Assert.Equal(WithPatient(first), Unmerged(node.DatabasePath));
        Assert.Equal(0, IndexRows(node.DatabasePath));

        await node.Trail.MergePatientIndexAsync();
        Assert.Equal(0, Unmerged(node.DatabasePath));
        Assert.Equal(WithPatient(first), IndexRows(node.DatabasePath));
        AssertEveryQueryMatchesTheReference(node, start);

        // Later records, half of them in the same milliseconds as merged ones: answers mix the index and the tail.
        var second = Mixed(start, 60, 60, shift: 30);
        await node.RecordAsync(second);
        Assert.Equal(WithPatient(second), Unmerged(node.DatabasePath));
        AssertEveryQueryMatchesTheReference(node, start);

        await node.Trail.MergePatientIndexAsync();
        Assert.Equal(0, Unmerged(node.DatabasePath));
        AssertEveryQueryMatchesTheReference(node, start);
    }

    [Fact]
    public async Task A_batch_that_reaches_the_merge_count_merges_in_its_own_transaction_and_answers_stay_the_same()
    {
        await using var node = await AuditTestNode.StartAsync(AuditTestNode.NeverMerged with { PatientIndexMergeRecords = 25 });
        var start = AuditRecords.TenMinutesAgo();
        for (var batch = 0; batch < 4; batch++)
        {
            await node.RecordAsync(Mixed(start, batch * 10, 10));
            AssertEveryQueryMatchesTheReference(node, start);
        }

        // 10, 20, 30 (merged: 30 ≥ 25), 10: the last batch waits outside the index.
        Assert.Equal(WithPatient(Mixed(start, 30, 10)), Unmerged(node.DatabasePath));
        Assert.Equal(WithPatient(Mixed(start, 0, 30)), IndexRows(node.DatabasePath));
        Assert.Equal(node.Trail.Find(Mixed(start, 30, 1)[0].Id)!.Batch * 65_536, MergedBelow(node.DatabasePath));
    }

    [Fact]
    public async Task A_quiet_trail_merges_on_its_own()
    {
        await using var node = await AuditTestNode.StartAsync(AuditTestNode.NeverMerged with { PatientIndexIdleMerge = TimeSpan.FromMilliseconds(50) });
        var start = AuditRecords.TenMinutesAgo();
        await node.RecordAsync(Mixed(start, 0, 20));

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (Unmerged(node.DatabasePath) > 0)
        {
            await Task.Delay(20, deadline.Token);
        }

        AssertEveryQueryMatchesTheReference(node, start);
    }

    [Fact]
    public async Task Erasure_forgets_the_patients_merged_and_unmerged_records_and_their_index_entries()
    {
        await using var node = await AuditTestNode.StartAsync(AuditTestNode.NeverMerged);
        var start = AuditRecords.TenMinutesAgo();
        var merged = Mixed(start, 0, 30);
        await node.RecordAsync(merged);
        await node.Trail.MergePatientIndexAsync();
        var unmerged = Mixed(start, 30, 30);
        var forgottenBefore = Scalar(node.DatabasePath, "SELECT count(*) FROM audit_records WHERE length(opening) = 0");
        await node.RecordAsync(unmerged);
        var ofA = merged.Concat(unmerged).Where(r => r.Patient == AuditRecords.PatientA).ToArray();
        Assert.Contains(ofA, r => merged.Contains(r));
        Assert.Contains(ofA, r => unmerged.Contains(r));
        var ofB = merged.Concat(unmerged).First(r => r.Patient == AuditRecords.PatientB);

        var forgotten = await node.Trail.ForgetPatientAsync(AuditRecords.PatientA);

        Assert.Equal(ofA.Length, forgotten);
        Assert.Empty(node.Trail.ForPatient(AuditRecords.PatientA, null, 100));
        Assert.All(ofA, r => Assert.Null(node.Trail.Find(r.Id)));
        Assert.Equal(0L, Scalar(node.DatabasePath, "SELECT count(*) FROM audit_patient_index WHERE patient = $p", AuditRecords.PatientA));
        Assert.Equal(0L, Scalar(node.DatabasePath, "SELECT count(*) FROM audit_records WHERE patient = $p", AuditRecords.PatientA));
        Assert.Equal(forgottenBefore + ofA.Length, Scalar(node.DatabasePath, "SELECT count(*) FROM audit_records WHERE length(opening) = 0"));
        AssertEveryQueryMatchesTheReference(node, start);

        // A merge after the erasure brings none of the forgotten records back into the index.
        await node.Trail.MergePatientIndexAsync();
        Assert.Equal(0L, Scalar(node.DatabasePath, "SELECT count(*) FROM audit_patient_index WHERE patient = $p", AuditRecords.PatientA));
        Assert.Empty(node.Trail.ForPatient(AuditRecords.PatientA, null, 100));
        AssertEveryQueryMatchesTheReference(node, start);
        var check = AuditReceipts.Verify(await node.ReceiptAsync(ofB.Id), node.LogVerifierKey);
        Assert.True(check.Valid, string.Join("; ", check.Problems));
    }

    [Fact]
    public async Task A_crash_between_a_batch_and_its_merge_loses_nothing_and_the_next_merge_takes_the_records()
    {
        await using var node = await AuditTestNode.StartAsync(AuditTestNode.NeverMerged with
        {
            AfterBatchWritten = _ => throw new IOException("simulated crash after the batch, before any merge"),
        });
        var start = AuditRecords.TenMinutesAgo();
        var records = Mixed(start, 0, 20);
        foreach (var record in records)
        {
            node.Trail.Record(record);
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => node.Trail.FlushAsync());
        Assert.Equal(WithPatient(records), Unmerged(node.DatabasePath));
        Assert.Equal(0, IndexRows(node.DatabasePath));

        await node.RestartAsync(AuditTestNode.NeverMerged);
        await node.Trail.FlushAsync();
        Assert.Equal(records.Count(r => r.Patient == AuditRecords.PatientA), node.Trail.ForPatient(AuditRecords.PatientA, null, 100).Count);
        AssertEveryQueryMatchesTheReference(node, start);

        await node.Trail.MergePatientIndexAsync();
        Assert.Equal(0, Unmerged(node.DatabasePath));
        AssertEveryQueryMatchesTheReference(node, start);
        foreach (var record in records.Where(r => r.Patient is not null).Take(3))
        {
            var check = AuditReceipts.Verify(await node.ReceiptAsync(record.Id), node.LogVerifierKey);
            Assert.True(check.Valid, string.Join("; ", check.Problems));
        }
    }

    [Fact]
    public async Task A_version_2_database_is_migrated_with_the_same_answers_and_receipts()
    {
        await using var node = await AuditTestNode.StartAsync(AuditTestNode.NeverMerged);
        var start = AuditRecords.TenMinutesAgo();
        var records = Mixed(start, 0, 50);
        await node.RecordAsync(records);
        await node.Trail.MergePatientIndexAsync();
        await node.Trail.ForgetPatientAsync(AuditRecords.PatientC);
        var before = Answers(node, start);
        await node.Trail.DisposeAsync();
        DowngradeToVersion2(node.DatabasePath);
        Assert.Equal(2L, Scalar(node.DatabasePath, "PRAGMA user_version"));

        await node.ReopenTrailAsync(AuditTestNode.NeverMerged);

        Assert.Equal(5L, Scalar(node.DatabasePath, "PRAGMA user_version"));
        Assert.Equal(0L, Scalar(node.DatabasePath, "SELECT count(*) FROM sqlite_schema WHERE name = 'audit_records_by_patient'"));
        Assert.Equal(records.Count(r => r.Patient is not null && r.Patient != AuditRecords.PatientC), IndexRows(node.DatabasePath));
        Assert.Equal(0, Unmerged(node.DatabasePath));
        Assert.Equal(before, Answers(node, start));
        AssertEveryQueryMatchesTheReference(node, start);
        foreach (var record in records.Where(r => r.Patient == AuditRecords.PatientA).Take(2))
        {
            var check = AuditReceipts.Verify(await node.ReceiptAsync(record.Id), node.LogVerifierKey);
            Assert.True(check.Valid, string.Join("; ", check.Problems));
        }

        // The migrated trail goes on: new records wait in the tail, then merge.
        await node.RecordAsync(Mixed(start, 50, 20));
        AssertEveryQueryMatchesTheReference(node, start);
        await node.Trail.MergePatientIndexAsync();
        AssertEveryQueryMatchesTheReference(node, start);
    }

    /// <summary>
    /// <paramref name="count"/> records from the <paramref name="first"/>-th on, 1 ms apart with every third repeating
    /// its neighbour's millisecond: patients A, B and C in turn, every seventh without a patient, every fifth denied,
    /// every eleventh break-glass, two accessors; times shifted back by <paramref name="shift"/> ms. Ids are fixed by the
    /// index, so that a second call gives the same records.
    /// </summary>
    internal static List<AuditRecord> Mixed(DateTimeOffset start, int first, int count, int shift = 0)
    {
        var records = new List<AuditRecord>();
        for (var i = first; i < first + count; i++)
        {
            var time = start.AddMilliseconds(i - shift - (i % 3 == 2 ? 1 : 0));
            byte[]? patient = (i % 7) switch
            {
                6 => null,
                _ => (i % 3) switch { 0 => AuditRecords.PatientA, 1 => AuditRecords.PatientB, _ => AuditRecords.PatientC },
            };
            var record = i % 11 == 10 ? AuditRecords.BreakGlass(patient, time)
                : i % 5 == 4 ? AuditRecords.Denied(patient, time)
                : AuditRecords.Read(patient, time, i % 2 == 0 ? "account-clinician-1" : "account-clinician-3");
            records.Add(record with { Id = new Guid($"{i:x8}-0000-7000-8000-000000000000") });
        }

        return records;
    }

    private static long WithPatient(IEnumerable<AuditRecord> records) => records.Count(r => r.Patient is not null);

    /// <summary>The queries by patient the node makes, with limits that cut inside the merged part and inside the tail.</summary>
    private static IEnumerable<AuditQuery> PatientQueries(DateTimeOffset start)
    {
        foreach (var patient in new[] { AuditRecords.PatientA, AuditRecords.PatientB, AuditRecords.PatientC, Enumerable.Repeat((byte)9, 16).ToArray() })
        {
            foreach (var limit in new[] { 1, 7, 25, AuditQuery.MaxLimit })
            {
                yield return new AuditQuery { Patient = patient, Limit = limit };
            }

            yield return new AuditQuery { Patient = patient, From = start.AddMilliseconds(20), Limit = 100 };
            yield return new AuditQuery { Patient = patient, From = start.AddMilliseconds(10), To = start.AddMilliseconds(45), Limit = 5 };
            yield return new AuditQuery { Patient = patient, To = start.AddMilliseconds(35), Limit = 100 };
            yield return new AuditQuery { Patient = patient, Outcome = AuditOutcome.Deny, Limit = 100 };
            yield return new AuditQuery { Patient = patient, BreakGlass = true, Limit = 100 };
            yield return new AuditQuery { Patient = patient, BreakGlass = false, Limit = 3 };
            yield return new AuditQuery { Patient = patient, AccessorSubject = "account-clinician-3", Limit = 100 };
            yield return new AuditQuery { Patient = patient, Action = AccessAction.Search, Limit = 100 };
        }
    }

    /// <summary>
    /// Each query by patient against the reference: every kept record (the query without a patient, which reads no
    /// patient index), filtered here, newest first, cut at the limit.
    /// </summary>
    private static void AssertEveryQueryMatchesTheReference(AuditTestNode node, DateTimeOffset start)
    {
        var all = node.Trail.Query(new AuditQuery { Limit = AuditQuery.MaxLimit });
        Assert.NotEmpty(all);
        foreach (var q in PatientQueries(start))
        {
            Assert.NotNull(q.Patient);
            var expected = all
                .Where(e => q.Matches(e.Record))
                .Take(q.Limit)
                .Select(AuditRecords.Key)
                .ToList();
            Assert.Equal(expected, node.Trail.Query(q).Select(AuditRecords.Key).ToList());
        }

        Assert.Equal(
            node.Trail.Query(new AuditQuery { Patient = AuditRecords.PatientA, From = start.AddMilliseconds(5), Limit = 10 }).Select(AuditRecords.Key),
            node.Trail.ForPatient(AuditRecords.PatientA, start.AddMilliseconds(5), 10).Select(AuditRecords.Key));
    }

    private static List<string> Answers(AuditTestNode node, DateTimeOffset start) =>
        PatientQueries(start).Select(q => string.Join(",", node.Trail.Query(q).Select(AuditRecords.Key))).ToList();

    /// <summary>Turns a version 4 database into version 2's layout (the patient index an index of audit_records).</summary>
    private static void DowngradeToVersion2(string path)
    {
        AuditSchemaDowngrade.ToVersion3(path);
        using var connection = Connect(path);
        using var downgrade = connection.CreateCommand();
        downgrade.CommandText = """
            BEGIN;
            DROP TABLE audit_patient_index;
            DROP TABLE audit_patient_merge;
            CREATE INDEX audit_records_by_patient ON audit_records(patient, time_ms) WHERE patient IS NOT NULL;
            PRAGMA user_version = 2;
            COMMIT;
            """;
        downgrade.ExecuteNonQuery();
    }

    private static long Unmerged(string path) =>
        Scalar(path, "SELECT count(*) FROM audit_records WHERE place >= (SELECT merged_below FROM audit_patient_merge) AND patient IS NOT NULL");

    private static long MergedBelow(string path) => Scalar(path, "SELECT merged_below FROM audit_patient_merge");

    private static long IndexRows(string path) => Scalar(path, "SELECT count(*) FROM audit_patient_index");
}
