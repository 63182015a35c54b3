using System.Buffers.Binary;
using CareLedger.Access.Audit;
using CareLedger.Access.Audit.Receipts;
using CareLedger.Access.Gate;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.Transactions;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Tests.Audit;

public class AuditTrailTests
{
    [Fact]
    public async Task Recorded_decisions_become_anchored_and_their_receipts_verify_offline()
    {
        await using var node = await AuditTestNode.StartAsync();
        AuditRecord[] records = [AuditRecords.Read(AuditRecords.PatientA), AuditRecords.Denied(AuditRecords.PatientB), AuditRecords.BreakGlass(null)];
        foreach (var record in records)
        {
            node.Trail.Record(record);
        }

        await node.Trail.FlushAsync();

        foreach (var record in records)
        {
            var entry = node.Trail.Find(record.Id);
            Assert.NotNull(entry);
            Assert.True(entry.IsAnchored);
            var json = AuditReceipts.ToJson(await node.ReceiptAsync(record.Id));

            var check = AuditReceipts.Verify(AuditReceipts.Parse(json), node.LogVerifierKey);

            Assert.True(check.Valid, string.Join("; ", check.Problems));
            Assert.Empty(check.Problems);
            Assert.Equal(record.Id, check.Record!.Id);
            Assert.Equal(record.AccessorSubject, check.Record.AccessorSubject);
            Assert.Equal(record.Patient, check.Record.Patient);
            Assert.Equal(record.Reasons, check.Record.Reasons);
            Assert.Equal(entry.Transaction, check.AnchorTransaction);
            Assert.Equal(entry.LeafIndex, check.AnchorLeaf);
        }
    }

    [Fact]
    public async Task A_batch_is_one_anchor_transaction_whose_digest_is_the_root_of_its_commitments()
    {
        await using var node = await AuditTestNode.StartAsync(new AuditTrailOptions { BatchInterval = TimeSpan.FromSeconds(30) });
        var sizeBefore = node.Ledger.Size;
        var records = Enumerable.Range(0, 10).Select(_ => AuditRecords.Read(AuditRecords.PatientA)).ToArray();
        foreach (var record in records)
        {
            node.Trail.Record(record);
        }

        await node.Trail.FlushAsync();

        var entries = records.Select(r => node.Trail.Find(r.Id)!).ToArray();
        Assert.Single(entries.Select(e => e.Batch).Distinct());
        Assert.Equal(Enumerable.Range(0, 10), entries.Select(e => e.Index).Order());
        Assert.Equal(sizeBefore + 1, node.Ledger.Size);
        var signed = node.Ledger.ReadTransaction(entries[0].LeafIndex!.Value);
        Assert.Equal(entries[0].Transaction, signed.Transaction.Id);
        Assert.Equal(node.Ledger.Keys.Node.Id, signed.Transaction.Author);
        var anchor = AnchorPayload.Decode(signed.Transaction.Payload.Span);
        Assert.Equal(AuditTrail.AnchorKind, anchor.Kind);
        Assert.Equal(entries[0].Batch, BinaryPrimitives.ReadInt64BigEndian(anchor.Context));
        var receipt = await node.ReceiptAsync(records[3].Id);
        Assert.Equal(10, receipt.BatchSize);
        var commitment = System.Security.Cryptography.SHA256.HashData([.. receipt.Salt, .. receipt.Record]);
        Assert.True(new InclusionProof(receipt.Index, receipt.BatchSize, receipt.BatchPath).Verify(Rfc9162.HashLeaf(commitment), anchor.Digest));
    }

    [Fact]
    public async Task A_batch_written_but_not_anchored_before_a_crash_is_anchored_on_reopen_exactly_once()
    {
        await using var node = await AuditTestNode.StartAsync(new AuditTrailOptions
        {
            AfterBatchWritten = _ => throw new IOException("simulated crash between the batch write and its anchor"),
        });
        var record = AuditRecords.Read(AuditRecords.PatientA);
        node.Trail.Record(record);

        var flush = await Assert.ThrowsAsync<InvalidOperationException>(() => node.Trail.FlushAsync());
        Assert.Contains("simulated crash", flush.Message, StringComparison.Ordinal);
        var written = node.Trail.Find(record.Id);
        Assert.NotNull(written);
        Assert.False(written.IsAnchored);
        Assert.Throws<InvalidOperationException>(() => node.Trail.Record(AuditRecords.Read(AuditRecords.PatientA)));
        var sizeBefore = node.Ledger.Size;

        await node.RestartAsync();
        await node.Trail.FlushAsync();

        var anchored = node.Trail.Find(record.Id)!;
        Assert.True(anchored.IsAnchored);
        Assert.Equal(written.Transaction, anchored.Transaction);
        Assert.Equal(sizeBefore + 1, node.Ledger.Size);
        Assert.Equal(1, AnchorsOfBatch(node.Ledger, anchored.Batch));
        Assert.True(AuditReceipts.Verify(await node.ReceiptAsync(record.Id), node.LogVerifierKey).Valid);

        await node.RestartAsync();
        await node.Trail.FlushAsync();
        Assert.Equal(sizeBefore + 1, node.Ledger.Size);
        Assert.Equal(Place(anchored), Place(node.Trail.Find(record.Id)!));
    }

    [Fact]
    public async Task A_batch_anchored_but_not_marked_before_a_crash_is_marked_with_the_same_transaction_on_reopen()
    {
        await using var node = await AuditTestNode.StartAsync();
        var record = AuditRecords.Read(AuditRecords.PatientA);
        node.Trail.Record(record);
        await node.Trail.FlushAsync();
        var anchored = node.Trail.Find(record.Id)!;
        var sizeBefore = node.Ledger.Size;
        await node.Trail.DisposeAsync();
        using (var connection = new SqliteConnection($"Data Source={node.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var forget = connection.CreateCommand();
            forget.CommandText = "UPDATE audit_batches SET leaf = NULL";
            Assert.Equal(1, forget.ExecuteNonQuery());
        }

        await node.ReopenTrailAsync();
        await node.Trail.FlushAsync();

        Assert.Equal(Place(anchored), Place(node.Trail.Find(record.Id)!));
        Assert.Equal(sizeBefore, node.Ledger.Size);
        Assert.Equal(1, AnchorsOfBatch(node.Ledger, anchored.Batch));
    }

    [Fact]
    public async Task ForPatient_lists_only_that_patients_records_newest_first()
    {
        await using var node = await AuditTestNode.StartAsync();
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var ofA = Enumerable.Range(0, 5).Select(i => AuditRecords.Read(AuditRecords.PatientA, start.AddMinutes(i))).ToArray();
        var ofB = Enumerable.Range(0, 3).Select(i => AuditRecords.Denied(AuditRecords.PatientB, start.AddMinutes(i))).ToArray();
        foreach (var record in ofA.Concat(ofB).Append(AuditRecords.Read(null, start)))
        {
            node.Trail.Record(record);
        }

        await node.Trail.FlushAsync();

        var listed = node.Trail.ForPatient(AuditRecords.PatientA, since: null, limit: 100);
        Assert.Equal(ofA.Reverse().Select(r => r.Id), listed.Select(e => e.Record.Id));
        Assert.All(listed, e => Assert.Equal(AuditRecords.PatientA, e.Record.Patient));
        var recent = node.Trail.ForPatient(AuditRecords.PatientA, since: start.AddMinutes(3), limit: 100);
        Assert.Equal([ofA[4].Id, ofA[3].Id], recent.Select(e => e.Record.Id));
        Assert.Equal([ofA[4].Id, ofA[3].Id, ofA[2].Id], node.Trail.ForPatient(AuditRecords.PatientA, null, limit: 3).Select(e => e.Record.Id));
        Assert.Equal(3, node.Trail.ForPatient(AuditRecords.PatientB, null, 100).Count);
        Assert.Empty(node.Trail.ForPatient(new byte[16], null, 100));
    }

    [Fact]
    public async Task Query_filters_by_accessor_outcome_break_glass_action_and_period()
    {
        await using var node = await AuditTestNode.StartAsync();
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var read = AuditRecords.Read(AuditRecords.PatientA, start);
        var denied = AuditRecords.Denied(AuditRecords.PatientA, start.AddMinutes(1));
        var breakGlass = AuditRecords.BreakGlass(AuditRecords.PatientB, start.AddMinutes(2));
        var later = AuditRecords.Read(AuditRecords.PatientB, start.AddMinutes(10)) with { Action = AccessAction.Export, Detail = "bulk export" };
        foreach (var record in new[] { read, denied, breakGlass, later })
        {
            node.Trail.Record(record);
        }

        await node.Trail.FlushAsync();

        Guid[] Ids(AuditQuery q) => [.. node.Trail.Query(q).Select(e => e.Record.Id)];
        Assert.Equal([later.Id, read.Id], Ids(new AuditQuery { AccessorSubject = read.AccessorSubject }));
        Assert.Equal([denied.Id], Ids(new AuditQuery { Outcome = AuditOutcome.Deny }));
        Assert.Equal([breakGlass.Id], Ids(new AuditQuery { BreakGlass = true }));
        Assert.Equal([later.Id, denied.Id, read.Id], Ids(new AuditQuery { BreakGlass = false }));
        Assert.Equal([later.Id], Ids(new AuditQuery { Action = AccessAction.Export }));
        Assert.Equal([breakGlass.Id, denied.Id], Ids(new AuditQuery { From = start.AddMinutes(1), To = start.AddMinutes(10) }));
        Assert.Equal([read.Id], Ids(new AuditQuery { Patient = AuditRecords.PatientA, Outcome = AuditOutcome.Permit }));
        Assert.Throws<ArgumentOutOfRangeException>(() => node.Trail.Query(new AuditQuery { Limit = 0 }));
        Assert.Throws<ArgumentException>(() => node.Trail.ForPatient(new byte[15], null, 10));
    }

    [Fact]
    public async Task Record_after_dispose_throws()
    {
        await using var node = await AuditTestNode.StartAsync();
        var record = AuditRecords.Read(AuditRecords.PatientA);
        node.Trail.Record(record);
        await node.Trail.DisposeAsync();

        Assert.ThrowsAny<InvalidOperationException>(() => node.Trail.Record(AuditRecords.Read(AuditRecords.PatientA)));
        await node.ReopenTrailAsync();
        Assert.True(node.Trail.Find(record.Id)!.IsAnchored);
    }

    [Fact]
    public async Task A_trail_whose_ledger_is_gone_fails_closed()
    {
        await using var node = await AuditTestNode.StartAsync();
        await node.Ledger.DisposeAsync();
        node.Trail.Record(AuditRecords.Read(AuditRecords.PatientA));

        await Assert.ThrowsAsync<InvalidOperationException>(() => node.Trail.FlushAsync());
        var refused = Assert.Throws<InvalidOperationException>(() => node.Trail.Record(AuditRecords.Read(AuditRecords.PatientA)));
        Assert.Contains("stopped", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_concurrent_records_all_end_anchored()
    {
        const int writers = 8;
        const int perWriter = 500;
        await using var node = await AuditTestNode.StartAsync(new AuditTrailOptions { MaxBatch = 256 });
        var sizeBefore = node.Ledger.Size;

        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                node.Trail.Record(AuditRecords.Read(i % 2 == 0 ? AuditRecords.PatientA : AuditRecords.PatientB, subject: $"account-{w}"));
            }
        })));
        await node.Trail.FlushAsync();

        var all = node.Trail.Query(new AuditQuery { Limit = AuditQuery.MaxLimit });
        Assert.Equal(writers * perWriter, all.Count);
        Assert.All(all, e => Assert.True(e.IsAnchored));
        var batches = all.Select(e => e.Batch).Distinct().Count();
        Assert.True(batches >= writers * perWriter / 256, $"{batches} batches for {writers * perWriter} records of at most 256");
        Assert.Equal(sizeBefore + batches, node.Ledger.Size);
        Assert.Equal(perWriter, node.Trail.Query(new AuditQuery { AccessorSubject = "account-3", Limit = AuditQuery.MaxLimit }).Count);
    }

    [Fact]
    public async Task A_full_queue_makes_Record_wait_rather_than_drop()
    {
        const int writers = 4;
        const int perWriter = 300;
        await using var node = await AuditTestNode.StartAsync(new AuditTrailOptions { MaxBatch = 32, QueueCapacity = 32 });

        // Threads of their own: blocked writers must not hold the thread pool that the ledger's completions use.
        var threads = Enumerable.Range(0, writers).Select(w => new Thread(() =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                node.Trail.Record(AuditRecords.Read(AuditRecords.PatientA, subject: $"account-{w}"));
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        await node.Trail.FlushAsync();

        var all = node.Trail.ForPatient(AuditRecords.PatientA, null, AuditQuery.MaxLimit);
        Assert.Equal(writers * perWriter, all.Count);
        Assert.All(all, e => Assert.True(e.IsAnchored));
        Assert.All(all, e => Assert.InRange(e.Index, 0, 31));
    }

    [Fact]
    public async Task A_record_id_recorded_twice_is_kept_once()
    {
        await using var node = await AuditTestNode.StartAsync();
        var record = AuditRecords.Read(AuditRecords.PatientA);
        node.Trail.Record(record);
        node.Trail.Record(record with { Purpose = "HRESCH" });
        await node.Trail.FlushAsync();
        node.Trail.Record(record with { Purpose = "PATRQT" });
        await node.Trail.FlushAsync();

        var kept = Assert.Single(node.Trail.ForPatient(AuditRecords.PatientA, null, 10));
        Assert.Equal("TREAT", kept.Record.Purpose);

        // The batch of nothing but a repeat wrote nothing, and the trail goes on: the next batch is written and anchored.
        var next = AuditRecords.Read(AuditRecords.PatientA);
        node.Trail.Record(next);
        await node.Trail.FlushAsync();
        Assert.Equal(2, node.Trail.ForPatient(AuditRecords.PatientA, null, 10).Count);
        Assert.Equal(kept.Batch + 1, node.Trail.Find(next.Id)!.Batch);
        Assert.True(node.Trail.Find(next.Id)!.IsAnchored);
    }

    [Theory]
    [InlineData(70, -1)] // a repeat of an id kept in an earlier batch, in the second statement of 64 rows
    [InlineData(100, 80)] // a repeat of an id of the same statement
    [InlineData(150, 10)] // a repeat of an id of an earlier statement of the same batch
    public async Task A_repeat_inside_a_large_batch_is_kept_once_and_the_kept_records_stay_consecutive_and_verifiable(int repeatAt, int repeatOf)
    {
        // A batch large enough for several multi-row inserts: the statement with the repeat fails whole, and the rest of
        // the batch goes in one row at a time.
        await using var node = await AuditTestNode.StartAsync(new AuditTrailOptions { BatchInterval = TimeSpan.FromSeconds(30) });
        var earlier = AuditRecords.Read(AuditRecords.PatientA);
        node.Trail.Record(earlier);
        await node.Trail.FlushAsync();
        var records = Enumerable.Range(0, 300).Select(_ => AuditRecords.Read(AuditRecords.PatientB)).ToArray();
        var first = repeatOf < 0 ? earlier : records[repeatOf];
        records[repeatAt] = first with { Patient = AuditRecords.PatientB, Purpose = "HRESCH" };
        foreach (var record in records)
        {
            node.Trail.Record(record);
        }

        await node.Trail.FlushAsync();

        var kept = node.Trail.ForPatient(AuditRecords.PatientB, null, AuditQuery.MaxLimit);
        var expected = records.Where((_, i) => i != repeatAt).ToArray();
        Assert.Equal(expected.Length, kept.Count);
        Assert.Single(kept.Select(e => e.Batch).Distinct());
        Assert.Equal(Enumerable.Range(0, expected.Length), kept.Select(e => e.Index).Order());
        Assert.Equal("TREAT", node.Trail.Find(first.Id)!.Record.Purpose);
        foreach (var at in new[] { 0, 63, 64, repeatAt - 1, repeatAt, expected.Length - 1 })
        {
            var entry = node.Trail.Find(expected[at].Id)!;
            Assert.Equal(at, entry.Index);
            var check = AuditReceipts.Verify(AuditReceipts.Parse(AuditReceipts.ToJson(await node.ReceiptAsync(expected[at].Id))), node.LogVerifierKey);
            Assert.True(check.Valid, string.Join("; ", check.Problems));
        }
    }

    [Fact]
    public async Task A_record_that_cannot_be_kept_is_refused_by_name_and_nothing_is_queued()
    {
        await using var node = await AuditTestNode.StartAsync();

        var badPatient = Assert.Throws<ArgumentException>(() => node.Trail.Record(AuditRecords.Read(new byte[15])));
        Assert.Contains("pseudonym", badPatient.Message, StringComparison.Ordinal);
        var noPurpose = Assert.Throws<ArgumentException>(() => node.Trail.Record(AuditRecords.Read(AuditRecords.PatientA) with { Purpose = "" }));
        Assert.Contains("purpose", noPurpose.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => node.Trail.Record(AuditRecords.Read(AuditRecords.PatientA) with { Withheld = -1 }));
        // Refused part way through the single encoding pass: texts after others were already written to the buffer.
        var loneSurrogate = Assert.Throws<ArgumentException>(() => node.Trail.Record(AuditRecords.Read(AuditRecords.PatientA) with { Detail = "a\uD800b" }));
        Assert.Contains("the detail is not valid Unicode text", loneSurrogate.Message, StringComparison.Ordinal);
        var longRequestId = Assert.Throws<ArgumentException>(() => node.Trail.Record(AuditRecords.Read(AuditRecords.PatientA) with { RequestId = new string('r', 129) }));
        Assert.Contains("the request id", longRequestId.Message, StringComparison.Ordinal);
        var badReason = Assert.Throws<ArgumentException>(() => node.Trail.Record(AuditRecords.Read(AuditRecords.PatientA) with { Reasons = ["ok", "lone \uDC00"] }));
        Assert.Contains("a reason is not valid Unicode text", badReason.Message, StringComparison.Ordinal);
        await node.Trail.FlushAsync();
        Assert.Empty(node.Trail.Query(new AuditQuery()));

        // The trail still takes a valid record after the refusals, and one longer than a pooled buffer (its own buffer).
        var kept = AuditRecords.Read(AuditRecords.PatientA);
        var long_ = AuditRecords.Read(AuditRecords.PatientA) with { Detail = new string('\u00e9', 1000) };
        node.Trail.Record(kept);
        node.Trail.Record(long_);
        await node.Trail.FlushAsync();
        Assert.Equal(2, node.Trail.Query(new AuditQuery()).Count);
        Assert.Equal(long_.Detail, node.Trail.Find(long_.Id)!.Record.Detail);
    }

    [Fact]
    public async Task A_receipt_is_absent_for_an_unknown_record()
    {
        await using var node = await AuditTestNode.StartAsync();

        Assert.Null(node.Trail.GetReceipt(Guid.NewGuid()));
        Assert.Null(node.Trail.Find(Guid.NewGuid()));
    }

    private static (long Batch, int Index, TxId Transaction, long? Leaf) Place(AuditEntry entry) =>
        (entry.Batch, entry.Index, entry.Transaction, entry.LeafIndex);

    private static int AnchorsOfBatch(LedgerEngine ledger, long batch)
    {
        var count = 0;
        for (var leaf = 0L; leaf < ledger.Size; leaf++)
        {
            var tx = ledger.ReadTransaction(leaf).Transaction;
            if (tx.Type == TxType.Anchor && AnchorPayload.Decode(tx.Payload.Span) is { Kind: AuditTrail.AnchorKind } anchor
                && BinaryPrimitives.ReadInt64BigEndian(anchor.Context) == batch)
            {
                count++;
            }
        }

        return count;
    }
}
