using CareLedger.Access.Audit;

namespace CareLedger.Access.Tests.Audit;

/// <summary>
/// The write-ahead log of <c>audit.db</c> is checkpointed by the trail's checkpointer thread, not by the batch loop's
/// commits (ADR 0020; the shared SqliteWalCheckpointer of ADR 0023, whose own tests are in CareLedger.Vault.Tests): the
/// log is still bounded, nothing written is lost across a checkpoint or a reopen, and erasure still leaves the log empty
/// while the checkpointer runs.
/// </summary>
public class AuditCheckpointTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>No idle merge writes to the log while a test looks at it.</summary>
    private static readonly TimeSpan NoIdleMerge = TimeSpan.FromDays(1);

    [Fact]
    public async Task The_checkpointer_keeps_the_log_from_growing_with_every_batch_and_the_writer_no_longer_checkpoints()
    {
        await using var checkpointed = await AuditTestNode.StartAsync(new AuditTrailOptions { CheckpointRecords = 50, PatientIndexIdleMerge = NoIdleMerge });
        await using var never = await AuditTestNode.StartAsync(new AuditTrailOptions { CheckpointRecords = int.MaxValue, PatientIndexIdleMerge = NoIdleMerge });

        foreach (var node in new[] { checkpointed, never })
        {
            for (var batch = 0; batch < 20; batch++)
            {
                await RecordAsync(node, 50, batch % 3 == 0 ? AuditRecords.PatientA : AuditRecords.PatientB);
                if (node == checkpointed)
                {
                    // Each batch reaches the count: its checkpoint runs before the next batch is written.
                    await WaitForCheckpointsAsync(node, batch + 1);
                }
            }
        }

        var checkpointedLog = new FileInfo(checkpointed.DatabasePath + "-wal").Length;
        var neverLog = new FileInfo(never.DatabasePath + "-wal").Length;
        Assert.Equal(0, never.Trail.CheckpointsRun);
        // 20 batches of 50 records each, about 650 bytes a row: the unchecked log holds every one of them; the checkpointed
        // log starts again after each checkpoint and holds about one batch.
        Assert.True(neverLog > 4 * checkpointedLog, $"log without checkpoints {neverLog} bytes, with {checkpointedLog}");
        Assert.True(neverLog > 20 * 50 * 600, $"log without checkpoints {neverLog} bytes: the writer checkpointed it");
    }

    [Fact]
    public async Task A_log_past_the_bound_is_copied_between_two_batches_on_the_batch_loop_and_starts_again()
    {
        await using var node = await AuditTestNode.StartAsync(new AuditTrailOptions { CheckpointRecords = 50, PatientIndexIdleMerge = NoIdleMerge });
        Assert.Equal(16_384, node.Trail.CheckpointBoundFrames);
        // A bound below one batch's frames: every round finds the log past it and leaves the pass to the batch loop.
        node.Trail.CheckpointBoundFrames = 4;
        var records = new List<AuditRecord>();
        long highest = 0;
        for (var batch = 0; batch < 20; batch++)
        {
            records.AddRange(await RecordAsync(node, 50, batch % 2 == 0 ? AuditRecords.PatientA : AuditRecords.PatientB));
            await WaitForCheckpointsAsync(node, batch + 1);
            highest = Math.Max(highest, new FileInfo(node.DatabasePath + "-wal").Length);
        }

        Assert.True(node.Trail.CheckpointBoundingPasses > 0, "no bounding pass ran on the batch loop");
        // 20 batches of about 50 × 650 bytes: the log holds a batch or two at most, not all of them.
        Assert.True(highest < 20 * 50 * 600 / 4, $"the log reached {highest} bytes");
        Assert.All(records, r => Assert.True(node.Trail.Find(r.Id)?.IsAnchored, $"record {r.Id} lost or unanchored"));
    }

    [Fact]
    public async Task Every_flushed_record_and_every_answer_is_the_same_after_checkpoints_and_a_reopen()
    {
        await using var node = await AuditTestNode.StartAsync(new AuditTrailOptions { CheckpointRecords = 30, PatientIndexMergeRecords = 70 });
        var records = new List<AuditRecord>();
        for (var batch = 0; batch < 8; batch++)
        {
            records.AddRange(await RecordAsync(node, 30, batch % 2 == 0 ? AuditRecords.PatientA : AuditRecords.PatientB));
        }

        var byPatientBefore = node.Trail.ForPatient(AuditRecords.PatientA, null, 1000).Select(e => e.Record.Id).ToArray();
        var allBefore = node.Trail.Query(new AuditQuery { Limit = 1000 }).Select(e => e.Record.Id).ToArray();
        await WaitForCheckpointsAsync(node, 1);

        await node.RestartAsync(new AuditTrailOptions { CheckpointRecords = 30, PatientIndexMergeRecords = 70 });

        Assert.Equal(4 * 30, byPatientBefore.Length);
        Assert.Equal(records.Count, allBefore.Length);
        Assert.Equal(byPatientBefore, node.Trail.ForPatient(AuditRecords.PatientA, null, 1000).Select(e => e.Record.Id));
        Assert.Equal(allBefore, node.Trail.Query(new AuditQuery { Limit = 1000 }).Select(e => e.Record.Id));
        Assert.All(records, r => Assert.True(node.Trail.Find(r.Id)?.IsAnchored, $"record {r.Id} lost or unanchored"));
        // And the reopened trail goes on writing and checkpointing.
        await RecordAsync(node, 30, AuditRecords.PatientA);
        await WaitForCheckpointsAsync(node, 1);
        Assert.Equal(4 * 30 + 30, node.Trail.ForPatient(AuditRecords.PatientA, null, 1000).Count);
    }

    [Fact]
    public async Task Erasure_leaves_the_log_empty_while_the_checkpointer_runs()
    {
        await using var node = await AuditTestNode.StartAsync(new AuditTrailOptions { CheckpointRecords = 1, PatientIndexIdleMerge = NoIdleMerge });
        for (var batch = 0; batch < 5; batch++)
        {
            await RecordAsync(node, 20, AuditRecords.PatientA);
            await RecordAsync(node, 20, AuditRecords.PatientB);
        }

        var forgotten = await node.Trail.ForgetPatientAsync(AuditRecords.PatientA);

        Assert.Equal(100, forgotten);
        Assert.Equal(0, new FileInfo(node.DatabasePath + "-wal").Length);
        Assert.Empty(node.Trail.ForPatient(AuditRecords.PatientA, null, 1000));
        Assert.Equal(100, node.Trail.ForPatient(AuditRecords.PatientB, null, 1000).Count);
    }

    [Fact]
    public async Task A_checkpoint_count_below_one_is_refused()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"careledger-audit-{Guid.NewGuid():N}");
        await using var node = await AuditTestNode.StartAsync();

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() =>
            AuditTrail.Open(Path.Combine(directory, "audit.db"), node.Ledger, new AuditTrailOptions { CheckpointRecords = 0 }));

        Assert.Equal(nameof(AuditTrailOptions.CheckpointRecords), refused.ParamName);
        Assert.False(Directory.Exists(directory));
    }

    private static async Task<List<AuditRecord>> RecordAsync(AuditTestNode node, int count, byte[] patient)
    {
        var records = Enumerable.Range(0, count).Select(_ => AuditRecords.Read(patient)).ToList();
        foreach (var record in records)
        {
            node.Trail.Record(record);
        }

        await node.Trail.FlushAsync();
        return records;
    }

    private static async Task WaitForCheckpointsAsync(AuditTestNode node, long atLeast)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (node.Trail.CheckpointsRun < atLeast)
        {
            await Task.Delay(5, deadline.Token);
        }
    }
}
