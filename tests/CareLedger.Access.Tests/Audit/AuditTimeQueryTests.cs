using CareLedger.Access.Audit;
using CareLedger.Access.Audit.Receipts;
using CareLedger.Access.Gate;
using Microsoft.Data.Sqlite;
using static CareLedger.Access.Tests.Audit.AuditDatabaseFile;

namespace CareLedger.Access.Tests.Audit;

/// <summary>
/// Queries by time alone in audit schema 4 (ADR 0022: no index of the records by time; each batch keeps its records'
/// time range): every such query equals a reference computed here from the records as recorded — newest first, ties by
/// place, cut at the limit — over many small batches whose time ranges overlap, with sparse filters that make the query
/// widen its bound, periods, and an erased patient; and a version 3 database migrates with the same answers.
/// </summary>
public class AuditTimeQueryTests
{
    private static readonly AuditTrailOptions Slow = new()
    {
        BatchInterval = TimeSpan.FromSeconds(30),
        PatientIndexIdleMerge = TimeSpan.FromDays(1),
    };

    [Fact]
    public async Task Queries_by_time_alone_match_the_reference_across_overlapping_batches()
    {
        await using var node = await AuditTestNode.StartAsync(Slow);
        var start = AuditRecords.TenMinutesAgo();
        var recorded = await RecordBatchesAsync(node, start, batches: 60, perBatch: 7);

        AssertEveryQueryMatchesTheReference(node, start, recorded, forgotten: []);
        Assert.Equal(60L, Scalar(node.DatabasePath, "SELECT count(*) FROM audit_batches"));
        // Every batch's range bounds its records' times.
        Assert.Equal(0L, Scalar(node.DatabasePath, """
            SELECT count(*) FROM audit_records r JOIN audit_batches b ON b.number = r.place / 65536
            WHERE r.time_ms < b.min_time_ms OR r.time_ms > b.max_time_ms
            """));
        Assert.Equal(0L, Scalar(node.DatabasePath, "SELECT count(*) FROM sqlite_schema WHERE name = 'audit_records_by_time'"));

        await node.Trail.ForgetPatientAsync(AuditRecords.PatientC);
        AssertEveryQueryMatchesTheReference(node, start, recorded, forgotten: Of(recorded, AuditRecords.PatientC));
    }

    [Fact]
    public async Task A_version_3_database_is_migrated_with_the_same_answers_and_receipts()
    {
        await using var node = await AuditTestNode.StartAsync(Slow);
        var start = AuditRecords.TenMinutesAgo();
        var recorded = await RecordBatchesAsync(node, start, batches: 12, perBatch: 9);
        await node.Trail.ForgetPatientAsync(AuditRecords.PatientC);
        var forgotten = Of(recorded, AuditRecords.PatientC);
        var before = Answers(node, start);
        await node.Trail.DisposeAsync();
        AuditSchemaDowngrade.ToVersion3(node.DatabasePath);
        Assert.Equal(3L, Scalar(node.DatabasePath, "PRAGMA user_version"));
        Assert.Equal(1L, Scalar(node.DatabasePath, "SELECT count(*) FROM sqlite_schema WHERE name = 'audit_records_by_time'"));

        await node.ReopenTrailAsync(Slow);

        Assert.Equal(5L, Scalar(node.DatabasePath, "PRAGMA user_version"));
        Assert.Equal(0L, Scalar(node.DatabasePath, "SELECT count(*) FROM sqlite_schema WHERE name = 'audit_records_by_time'"));
        Assert.Equal(0L, Scalar(node.DatabasePath, """
            SELECT count(*) FROM audit_records r JOIN audit_batches b ON b.number = r.place / 65536
            WHERE r.time_ms < b.min_time_ms OR r.time_ms > b.max_time_ms
            """));
        Assert.Equal(before, Answers(node, start));
        AssertEveryQueryMatchesTheReference(node, start, recorded, forgotten);
        foreach (var record in recorded.Where(r => r.Patient == AuditRecords.PatientA).Take(2))
        {
            var check = AuditReceipts.Verify(await node.ReceiptAsync(record.Id), node.LogVerifierKey);
            Assert.True(check.Valid, string.Join("; ", check.Problems));
        }

        // The migrated trail goes on.
        recorded.AddRange(await RecordBatchesAsync(node, start.AddSeconds(1), batches: 3, perBatch: 5, first: 1_000));
        AssertEveryQueryMatchesTheReference(node, start, recorded, forgotten);
    }

    /// <summary>
    /// <paramref name="batches"/> flushes of <paramref name="perBatch"/> records each (one batch each). A batch's times
    /// run backwards from its start and every third batch starts 15 ms before the previous one ended, so that ranges
    /// overlap and place order is not time order; patients A, B, C and none, a denial every 13th record, a break-glass
    /// every 17th, a search every 5th, some records sharing a millisecond.
    /// </summary>
    private static async Task<List<AuditRecord>> RecordBatchesAsync(AuditTestNode node, DateTimeOffset start, int batches, int perBatch, int first = 0)
    {
        var recorded = new List<AuditRecord>();
        var i = first;
        for (var batch = 0; batch < batches; batch++)
        {
            var batchStart = start.AddMilliseconds(batch * perBatch * 2 - (batch % 3 == 2 ? 15 : 0));
            for (var n = 0; n < perBatch; n++, i++)
            {
                var time = batchStart.AddMilliseconds((perBatch - n) * 2 - (n % 4 == 1 ? 1 : 0));
                byte[]? patient = (i % 4) switch { 0 => AuditRecords.PatientA, 1 => AuditRecords.PatientB, 2 => AuditRecords.PatientC, _ => null };
                var record = i % 17 == 16 ? AuditRecords.BreakGlass(patient, time)
                    : i % 13 == 12 ? AuditRecords.Denied(patient, time)
                    : AuditRecords.Read(patient, time, i % 2 == 0 ? "account-clinician-1" : "account-clinician-3");
                if (i % 5 == 4 && record.Outcome == AuditOutcome.Permit)
                {
                    record = record with { Action = AccessAction.Search };
                }

                record = record with { Id = new Guid($"{i:x8}-0000-7000-8000-000000000000") };
                node.Trail.Record(record);
                recorded.Add(record);
            }

            await node.Trail.FlushAsync();
        }

        return recorded;
    }

    /// <summary>Queries without a patient or accessor: limits small and large, periods, sparse filters.</summary>
    private static IEnumerable<AuditQuery> TimeQueries(DateTimeOffset start)
    {
        foreach (var limit in new[] { 1, 3, 7, 25, 100, AuditQuery.MaxLimit })
        {
            yield return new AuditQuery { Limit = limit };
            yield return new AuditQuery { Outcome = AuditOutcome.Deny, Limit = limit };
            yield return new AuditQuery { BreakGlass = false, Limit = limit };
            yield return new AuditQuery { Action = AccessAction.Search, Limit = limit };
            yield return new AuditQuery { From = start.AddMilliseconds(200), Limit = limit };
            yield return new AuditQuery { To = start.AddMilliseconds(300), Limit = limit };
            yield return new AuditQuery { From = start.AddMilliseconds(100), To = start.AddMilliseconds(400), Limit = limit };
            yield return new AuditQuery { From = start.AddMilliseconds(50), To = start.AddMilliseconds(700), Outcome = AuditOutcome.Deny, Limit = limit };
            yield return new AuditQuery { To = start.AddMilliseconds(60), Action = AccessAction.Read, Limit = limit };
            yield return new AuditQuery { From = start.AddDays(1), Limit = limit };
            yield return new AuditQuery { Action = AccessAction.Export, Limit = limit };
        }
    }

    /// <summary>The ids of the patient's records among <paramref name="recorded"/> (those an erasure now forgets).</summary>
    private static HashSet<Guid> Of(List<AuditRecord> recorded, byte[] patient) =>
        [.. recorded.Where(r => r.Patient is { } p && p.AsSpan().SequenceEqual(patient)).Select(r => r.Id)];

    private static void AssertEveryQueryMatchesTheReference(AuditTestNode node, DateTimeOffset start, List<AuditRecord> recorded, HashSet<Guid> forgotten)
    {
        var kept = recorded
            .Select((record, place) => (record, place))
            .Where(r => !forgotten.Contains(r.record.Id))
            .ToList();
        foreach (var q in TimeQueries(start))
        {
            var expected = kept
                .Where(r => q.Matches(r.record))
                .OrderByDescending(r => r.record.Time).ThenByDescending(r => r.place)
                .Take(q.Limit)
                .Select(r => r.record.Id)
                .ToList();
            var answer = node.Trail.Query(q);
            Assert.True(expected.SequenceEqual(answer.Select(e => e.Record.Id)),
                $"{q}: expected {string.Join(" ", expected)}, got {string.Join(" ", answer.Select(e => e.Record.Id))}");
            Assert.All(answer, e => Assert.NotNull(e.LeafIndex));
        }
    }

    private static List<string> Answers(AuditTestNode node, DateTimeOffset start) =>
        TimeQueries(start).Select(q => string.Join(",", node.Trail.Query(q).Select(AuditRecords.Key))).ToList();

}

/// <summary>Turns a version 4 audit database back into the layout of version 3, as an older node left it.</summary>
internal static class AuditSchemaDowngrade
{
    public static void ToVersion3(string path)
    {
        ToVersion4(path);
        using var connection = Connect(path);
        using var downgrade = connection.CreateCommand();
        downgrade.CommandText = """
            BEGIN;
            DROP INDEX audit_batches_by_time;
            ALTER TABLE audit_batches DROP COLUMN min_time_ms;
            ALTER TABLE audit_batches DROP COLUMN max_time_ms;
            CREATE INDEX audit_records_by_time ON audit_records(time_ms);
            PRAGMA user_version = 3;
            COMMIT;
            """;
        downgrade.ExecuteNonQuery();
    }

    /// <summary>
    /// Turns a version 5 database into version 4's layout: audit_records with its index by accessor, no time ranges of the
    /// batches' accessors.
    /// </summary>
    public static void ToVersion4(string path)
    {
        using var connection = Connect(path);
        using var downgrade = connection.CreateCommand();
        downgrade.CommandText = """
            BEGIN;
            DROP TABLE audit_batch_accessors;
            CREATE INDEX audit_records_by_accessor ON audit_records(accessor, time_ms);
            PRAGMA user_version = 4;
            COMMIT;
            """;
        downgrade.ExecuteNonQuery();
    }
}
