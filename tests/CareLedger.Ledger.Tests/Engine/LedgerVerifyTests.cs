using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;
using CareLedger.Testing;
using Microsoft.Data.Sqlite;

namespace CareLedger.Ledger.Tests.Engine;

public class LedgerVerifyTests
{
    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task A_good_node_verifies_and_progress_reaches_the_end(StoreKind store)
    {
        using var directory = new TempDirectory("verify");
        var options = TestLedger.QuietOptions(directory).On(store) with { CheckpointEveryTransactions = 7 };
        await using (var engine = await TestLedger.InitializeAsync(options))
        {
            await TestLedger.SubmitAnchorsAsync(engine, 30);
            var patient = Enumerable.Repeat((byte)3, 16).ToArray();
            await engine.SubmitAsync(TestLedger.Signed(engine, new RecordsCommittedPayload([new RecordCommitment(new byte[32], patient, 1, RecordOperation.Create, new byte[32])])));
            await engine.SubmitAsync(TestLedger.Signed(engine, new PatientErasedPayload(patient)));
        }

        var reports = new List<VerifyProgress>();
        var report = await LedgerEngine.VerifyAsync(options, new SynchronousProgress(reports), CancellationToken.None);

        Assert.True(report.Ok, report.FirstProblem?.ToString());
        Assert.Equal(33, report.Count("transactions"));
        Assert.Equal(33, report.Count("signatures verified"));
        Assert.Equal(33, report.Count("tree leaves compared"));
        Assert.True(report.Count("checkpoints verified") >= 2, "the genesis checkpoint and the one signed on closing");
        Assert.True(report.Count("state rows compared") > 33);
        Assert.Equal(new VerifyProgress("log", 33, 33), reports[^1]);
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task A_tampered_state_row_is_reported_with_its_table_and_key(StoreKind store)
    {
        using var directory = new TempDirectory("verify");
        var options = TestLedger.QuietOptions(directory).On(store);
        SubmitResult target;
        await using (var engine = await TestLedger.InitializeAsync(options))
        {
            target = (await TestLedger.SubmitAnchorsAsync(engine, 10))[4];
        }

        TestStore.Execute(options, $"UPDATE transactions SET leaf = 999 WHERE id = {TestStore.Blob(target.Id.ToArray(), store)}");

        var report = await LedgerEngine.VerifyAsync(options, null, CancellationToken.None);

        Assert.False(report.Ok);
        Assert.Equal("state-mismatch", report.FirstProblem!.Code);
        Assert.Contains("table transactions", report.FirstProblem.Location, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(target.Id.ToArray()), report.FirstProblem.Location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkpoint_with_a_forged_root_is_reported()
    {
        using var directory = new TempDirectory("verify");
        var options = TestLedger.QuietOptions(directory) with { CheckpointEveryTransactions = 5 };
        await using (var engine = await TestLedger.InitializeAsync(options))
        {
            for (var i = 0; i < 10; i++)
            {
                await engine.SubmitAsync(TestLedger.Anchor(engine));
            }
        }

        // The checkpointer runs beside the sequencer, so which sizes got a checkpoint depends on timing: forge the first after genesis.
        var store = Path.Combine(options.DataDirectory, "checkpoints", "checkpoints.db");
        var size = Query(store, "SELECT size FROM checkpoints WHERE size > 1 ORDER BY size LIMIT 1");
        var forgedRoot = Convert.ToBase64String(new byte[32]);
        var sizeLine = $"char(10) || '{size}' || char(10)";
        Execute(store, $"UPDATE checkpoints SET note = substr(note, 1, instr(note, {sizeLine}) + {size.Length + 1}) || '{forgedRoot}' || substr(note, instr(note, {sizeLine}) + {size.Length + 2} + 44) WHERE size = {size}");

        var report = await LedgerEngine.VerifyAsync(options.DataDirectory, null, CancellationToken.None);

        Assert.False(report.Ok);
        Assert.Equal("checkpoint-root-mismatch", report.FirstProblem!.Code);
        Assert.Contains($"checkpoint of size {size}", report.FirstProblem.Location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkpoint_with_a_damaged_signature_is_reported()
    {
        using var directory = new TempDirectory("verify");
        var options = TestLedger.QuietOptions(directory);
        await using (var engine = await TestLedger.InitializeAsync(options))
        {
            await TestLedger.SubmitAnchorsAsync(engine, 3);
        }

        var store = Path.Combine(options.DataDirectory, "checkpoints", "checkpoints.db");
        var note = Query(store, "SELECT note FROM checkpoints WHERE size = 1");
        var lines = note.Split('\n');
        var signatureLine = Array.FindIndex(lines, l => l.StartsWith('\u2014'));
        var parts = lines[signatureLine].Split(' ');
        var signature = Convert.FromBase64String(parts[2]);
        signature[^1] ^= 0x01;
        lines[signatureLine] = $"{parts[0]} {parts[1]} {Convert.ToBase64String(signature)}";
        Execute(store, $"UPDATE checkpoints SET note = '{string.Join('\n', lines)}' WHERE size = 1");

        var report = await LedgerEngine.VerifyAsync(options.DataDirectory, null, CancellationToken.None);

        Assert.False(report.Ok);
        Assert.Equal("checkpoint-signature", report.FirstProblem!.Code);
    }

    [Fact]
    public async Task A_corrupted_log_is_reported_with_its_segment_and_offset()
    {
        using var directory = new TempDirectory("verify");
        var options = TestLedger.QuietOptions(directory);
        await using (var engine = await TestLedger.InitializeAsync(options))
        {
            await TestLedger.SubmitAnchorsAsync(engine, 20);
        }

        var segment = Directory.GetFiles(Path.Combine(options.DataDirectory, "log"), "*.seg").Single();
        var bytes = File.ReadAllBytes(segment);
        bytes[bytes.Length / 3] ^= 0x01;
        File.WriteAllBytes(segment, bytes);

        var report = await LedgerEngine.VerifyAsync(options.DataDirectory, null, CancellationToken.None);

        Assert.Equal("log-corrupted", report.FirstProblem!.Code);
        Assert.Contains(segment, report.FirstProblem.Location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tampered_leaf_hash_in_the_tree_is_reported()
    {
        using var directory = new TempDirectory("verify");
        var options = TestLedger.QuietOptions(directory);
        await using (var engine = await TestLedger.InitializeAsync(options))
        {
            await TestLedger.SubmitAnchorsAsync(engine, 8);
        }

        var leaves = Path.Combine(options.DataDirectory, "merkle", "level-00.hashes");
        var bytes = File.ReadAllBytes(leaves);
        bytes[3 * 32] ^= 0x80;
        File.WriteAllBytes(leaves, bytes);

        var report = await LedgerEngine.VerifyAsync(options.DataDirectory, null, CancellationToken.None);

        Assert.Equal("tree-mismatch", report.FirstProblem!.Code);
        Assert.Contains("leaf 3", report.FirstProblem.Location, StringComparison.Ordinal);
    }

    private static void Execute(string database, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, command.ExecuteNonQuery());
    }

    private static string Query(string database, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    /// <summary>Records every report at once (Progress&lt;T&gt; would post them to the thread pool, out of order).</summary>
    private sealed class SynchronousProgress(List<VerifyProgress> reports) : IProgress<VerifyProgress>
    {
        public void Report(VerifyProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
