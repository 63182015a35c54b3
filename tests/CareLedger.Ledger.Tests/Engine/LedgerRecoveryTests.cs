using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Log;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.State;
using CareLedger.Testing;

namespace CareLedger.Ledger.Tests.Engine;

public class LedgerRecoveryTests
{
    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Reopening_after_a_clean_shutdown_gives_the_same_ledger(StoreKind store)
    {
        using var directory = new TempDirectory("recovery");
        var options = TestLedger.QuietOptions(directory).On(store);
        long size;
        byte[] root;
        string checkpoint;
        List<SubmitResult> results;
        await using (var engine = await TestLedger.InitializeAsync(options))
        {
            results = await TestLedger.SubmitAnchorsAsync(engine, 40);
            size = engine.Size;
            root = engine.RootHash(size);
        }

        await using (var reopened = await LedgerEngine.OpenAsync(options, CancellationToken.None))
        {
            checkpoint = reopened.LatestCheckpoint!.ToString();
            Assert.Equal(size, reopened.Size);
            Assert.Equal(root, reopened.RootHash(size));
            Assert.Equal(size, reopened.State.AppliedCount);
            Assert.Equal(size, Ledger.Checkpoints.Checkpoint.Parse(reopened.LatestCheckpoint!.Text).Size);
            Assert.All(results, r => Assert.True(reopened.State.TryGetLeafIndex(r.Id, out var leaf) && leaf == r.LeafIndex));
            var replay = await reopened.SubmitAsync(reopened.ReadTransaction(results[0].LeafIndex));
            Assert.True(replay.AlreadyApplied);
            var next = await reopened.SubmitAsync(TestLedger.Anchor(reopened));
            Assert.Equal(size, next.LeafIndex);
        }

        await using var third = await LedgerEngine.OpenAsync(options, CancellationToken.None);
        Assert.Equal(size + 1, third.Size);
        Assert.NotEqual(checkpoint, third.LatestCheckpoint!.ToString());
    }

    [Fact]
    public async Task A_torn_last_record_is_cut_and_the_tree_and_state_match_the_log()
    {
        using var directory = new TempDirectory("recovery");
        var options = TestLedger.QuietOptions(directory);
        var crashed = directory.Combine("crashed");
        long sizeBeforeLastWrite;
        byte[] rootBeforeLastWrite;
        await using (var engine = await TestLedger.InitializeAsync(options))
        {
            await TestLedger.SubmitAnchorsAsync(engine, 20);
            sizeBeforeLastWrite = engine.Size;
            rootBeforeLastWrite = engine.RootHash(sizeBeforeLastWrite);
            // A crash image: state and tree as they were, then a last record reaches the log but is half written.
            CopyDirectory(options.DataDirectory, crashed);
            await engine.SubmitAsync(TestLedger.Anchor(engine));
            CopyDirectory(LedgerLayout(options.DataDirectory, "log"), Path.Combine(crashed, "log"));
        }

        var lastSegment = Directory.GetFiles(Path.Combine(crashed, "log"), "*.seg").Order(StringComparer.Ordinal).Last();
        using (var file = new FileStream(lastSegment, FileMode.Open))
        {
            file.SetLength(file.Length - 7);
        }

        await using var recovered = await LedgerEngine.OpenAsync(options with { DataDirectory = crashed }, CancellationToken.None);

        Assert.Equal(sizeBeforeLastWrite, recovered.Size);
        Assert.Equal(sizeBeforeLastWrite, recovered.State.AppliedCount);
        Assert.Equal(rootBeforeLastWrite, recovered.RootHash(recovered.Size));
        var next = await recovered.SubmitAsync(TestLedger.Anchor(recovered));
        Assert.Equal(sizeBeforeLastWrite, next.LeafIndex);
    }

    [Fact]
    public async Task A_tree_that_lags_the_log_is_rebuilt_from_the_log_on_open()
    {
        using var directory = new TempDirectory("recovery");
        var options = TestLedger.QuietOptions(directory);
        var crashed = directory.Combine("crashed");
        byte[] root;
        await using (var engine = await TestLedger.InitializeAsync(options))
        {
            await TestLedger.SubmitAnchorsAsync(engine, 30);
            root = engine.RootHash(engine.Size);
            CopyDirectory(options.DataDirectory, crashed); // the tree was last flushed at the genesis checkpoint
        }

        await using var recovered = await LedgerEngine.OpenAsync(options with { DataDirectory = crashed }, CancellationToken.None);

        Assert.Equal(31, recovered.Size);
        Assert.Equal(root, recovered.RootHash(31));
    }

    [Fact]
    public async Task A_flipped_byte_inside_the_log_stops_the_open_with_its_location()
    {
        using var directory = new TempDirectory("recovery");
        var options = TestLedger.QuietOptions(directory);
        await using (var engine = await TestLedger.InitializeAsync(options))
        {
            await TestLedger.SubmitAnchorsAsync(engine, 30);
        }

        var segment = Directory.GetFiles(LedgerLayout(options.DataDirectory, "log"), "*.seg").Single();
        var bytes = File.ReadAllBytes(segment);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(segment, bytes);

        var error = await Assert.ThrowsAsync<LogCorruptedException>(() => LedgerEngine.OpenAsync(options, CancellationToken.None));

        Assert.Equal(segment, error.SegmentPath);
        Assert.NotNull(error.RecordIndex);
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task A_deleted_state_database_is_rebuilt_by_replaying_the_log(StoreKind store)
    {
        using var directory = new TempDirectory("recovery");
        var options = TestLedger.QuietOptions(directory).On(store);
        List<SubmitResult> results;
        await using (var engine = await TestLedger.InitializeAsync(options))
        {
            results = await TestLedger.SubmitAnchorsAsync(engine, 25);
        }

        TestStore.Delete(options);

        await using (var reopened = await LedgerEngine.OpenAsync(options, CancellationToken.None))
        {
            Assert.Equal(26, reopened.State.AppliedCount);
            Assert.All(results, r => Assert.True(reopened.State.TryGetLeafIndex(r.Id, out var leaf) && leaf == r.LeafIndex));
            Assert.NotNull(reopened.State.FindKey(reopened.Keys.Node.Id));
        }

        Assert.True((await LedgerEngine.VerifyAsync(options, null, CancellationToken.None)).Ok);
    }

    [Fact]
    public async Task A_postgres_state_ahead_of_the_log_it_is_opened_with_stops_the_open()
    {
        using var directory = new TempDirectory("recovery");
        var options = TestLedger.QuietOptions(directory).On(StoreKind.Postgres);
        var older = directory.Combine("older");
        await using (var engine = await TestLedger.InitializeAsync(options))
        {
            CopyDirectory(options.DataDirectory, older);
            await TestLedger.SubmitAnchorsAsync(engine, 5);
        }

        var error = await Assert.ThrowsAsync<LedgerStateException>(() => LedgerEngine.OpenAsync(options with { DataDirectory = older }, CancellationToken.None));

        Assert.Contains("has applied 6", error.Message, StringComparison.Ordinal);
        Assert.Contains(options.Postgres!.Schema, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_state_ahead_of_its_log_stops_the_open()
    {
        using var directory = new TempDirectory("recovery");
        var options = TestLedger.QuietOptions(directory);
        var older = directory.Combine("older");
        await using (var engine = await TestLedger.InitializeAsync(options))
        {
            CopyDirectory(options.DataDirectory, older);
            await TestLedger.SubmitAnchorsAsync(engine, 5);
        }

        foreach (var file in Directory.GetFiles(older, LedgerState.FileName + "*"))
        {
            File.Delete(file);
        }

        foreach (var file in Directory.GetFiles(options.DataDirectory, LedgerState.FileName + "*"))
        {
            File.Copy(file, Path.Combine(older, Path.GetFileName(file)));
        }

        var error = await Assert.ThrowsAsync<LedgerStateException>(() => LedgerEngine.OpenAsync(options with { DataDirectory = older }, CancellationToken.None));

        Assert.Contains("has applied 6", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Opening_a_directory_that_is_not_a_node_names_the_missing_key()
    {
        using var directory = new TempDirectory("recovery");

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => LedgerEngine.OpenAsync(new LedgerOptions(directory.Path), CancellationToken.None));

        Assert.Contains("not an initialised node", error.Message, StringComparison.Ordinal);
    }

    private static string LedgerLayout(string data, string part) => Path.Combine(data, part);

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        // The log's lock file is held exclusively by the running engine; a crash image does not need it.
        foreach (var file in Directory.GetFiles(source).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)), overwrite: true);
        }

        foreach (var child in Directory.GetDirectories(source))
        {
            CopyDirectory(child, Path.Combine(destination, Path.GetFileName(child)));
        }
    }
}
