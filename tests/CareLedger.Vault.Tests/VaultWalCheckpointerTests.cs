using System.Text;
using CareLedger.Sqlite;
using CareLedger.Vault.Search;
using CareLedger.Vault.Storage;
using CareLedger.Vault.Tests.Support;
using static CareLedger.Vault.Tests.Support.Poll;

namespace CareLedger.Vault.Tests;

/// <summary>
/// The SQLite vault's WAL is copied into the database file by a thread of its own, not by the writer's commits (ADR 0019, 0023: the shared
/// <see cref="SqliteWalCheckpointer"/>, whose own properties SqliteWalCheckpointerTests asserts). A checkpoint is not a durability point: what a commit acknowledged is in the WAL, whatever the checkpointer has done.
/// </summary>
public sealed class VaultWalCheckpointerTests : IDisposable
{
    private readonly TestVault _t = new();

    private SqliteWalCheckpointer Checkpointer => _t.Vault.Checkpointer ?? throw new InvalidOperationException("no checkpointer on SQLite");

    [Fact]
    public void The_writer_leaves_its_wal_to_the_checkpointer_which_copies_it_into_the_database_file()
    {
        var before = Checkpointer.Rounds;
        var fileBefore = new FileInfo(_t.DatabasePath).Length;
        Held(() =>
        {
            // Well over SQLite's default autocheckpoint of 1,000 frames, in many commits: the writer would have copied them.
            StageMany("big", 3_000, commits: 60);

            Assert.True(WalFrames() > 1_000, $"the WAL holds {WalFrames()} frames");
            Assert.Equal(fileBefore, new FileInfo(_t.DatabasePath).Length);
            Assert.Equal(before, Checkpointer.Rounds);
        });

        Checkpointer.Written();
        WaitFor(() => Checkpointer.Rounds > before && Checkpointer.LastResult.Copied == Checkpointer.LastResult.Log
            && Checkpointer.LastResult.Log > 1_000);
        Assert.True(new FileInfo(_t.DatabasePath).Length > fileBefore);
        Assert.Equal(3_000, CountFound("big"));
    }

    [Fact]
    public void Commits_acknowledged_while_no_checkpoint_ran_are_all_there_after_a_crash()
    {
        // The first half copied into the database file, the second only in the WAL when the machine "crashes": the files
        // are copied as they are while the vault is open (no checkpoint running, no write), then opened elsewhere.
        StageMany("early", 400, commits: 8);
        Checkpointer.Written();
        WaitFor(() => Checkpointer.LastResult.Copied == Checkpointer.LastResult.Log && Checkpointer.LastResult.Log > 0);
        var crashed = Path.Combine(_t.Directory, "crashed");
        Held(() =>
        {
            StageMany("late", 400, commits: 8);
            _t.Put("Patient", "p-last", 1, "p-last", """{"resourceType":"Patient","id":"p-last"}""", IndexEntry.ForToken("gender", "other"));
            Directory.CreateDirectory(crashed);
            foreach (var suffix in new[] { "", "-wal" })
            {
                File.Copy(_t.DatabasePath + suffix, Path.Combine(crashed, "vault.db" + suffix));
            }
        });
        using var copy = Vault.Open(_t.Options with { DatabasePath = Path.Combine(crashed, "vault.db") });
        Assert.Equal(400, CountFound("early", copy));
        Assert.Equal(400, CountFound("late", copy));
        Assert.Equal("""{"resourceType":"Patient","id":"p-last"}""", Encoding.UTF8.GetString(copy.Read("Patient", "p-last")!));
    }

    [Fact]
    public void A_shred_waits_for_a_background_checkpoint_and_still_truncates_the_wal()
    {
        // Checkpoints back to back on the checkpointer's thread while patients are written and shredded: a TRUNCATE
        // checkpoint that ran beside one of them would get BUSY and leave the erased pages in the WAL.
        Checkpointer.Policy = Checkpointer.Policy with { MinInterval = TimeSpan.Zero };
        using (new BackToBackCheckpoints(Checkpointer))
        {
            for (var i = 0; i < 20; i++)
            {
                var patient = $"pt-shred-{i:D2}";
                StageMany($"filler{i}-", 60, commits: 2);
                _t.Put("Patient", patient, 1, patient, $$"""{"resourceType":"Patient","id":"{{patient}}"}""", IndexEntry.ForToken("gender", "female"));
                Assert.True(TestVault.Contains(_t.FileBytes(), patient), "the id is stored in the clear until shredded, which shows the scan works");
                var report = _t.Vault.Shred(patient);
                Assert.True(report.WriteAheadLogTruncated, $"shred {i}: the WAL was not truncated");
                Assert.False(TestVault.Contains(_t.FileBytes(), patient));
            }
        }

        Assert.True(Checkpointer.Rounds > 0);
    }

    [Fact]
    public void A_wal_left_long_by_a_writer_that_never_pauses_is_copied_under_the_writer_lock_and_restarts()
    {
        Checkpointer.Policy = Checkpointer.Policy with { BoundFrames = 50 };
        StageMany("stream", 300, commits: 6);
        Checkpointer.Written();
        WaitFor(() => Checkpointer.BoundingPasses > 0);
        WaitFor(() => Checkpointer.LastResult.Copied == Checkpointer.LastResult.Log);
        var framesBefore = Checkpointer.LastResult.Log;

        _t.Put("Patient", "p-after", 1, "p-after", """{"resourceType":"Patient","id":"p-after"}""");
        Checkpointer.Written();
        WaitFor(() => Checkpointer.LastResult.Log < framesBefore);

        Assert.Equal(300, CountFound("stream"));
        Assert.NotNull(_t.Vault.Read("Patient", "p-after"));
    }

    [Fact]
    public void The_vault_reopens_with_every_write_after_a_close_with_checkpoints_pending()
    {
        Checkpointer.DuringCheckpoint = () => Thread.Sleep(50);
        StageMany("closed", 500, commits: 10);
        _t.Reopen();
        Assert.Equal(500, CountFound("closed"));
        Assert.NotNull(_t.Vault.Checkpointer);
    }

    [Fact]
    public void A_checkpoint_that_fails_refuses_further_writes_and_a_reopen_checkpoints_again()
    {
        _t.Put("Patient", "p-before", 1, "p-before", """{"resourceType":"Patient","id":"p-before"}""");
        Checkpointer.DuringCheckpoint = () => throw new IOException("the disk went away (test)");
        Checkpointer.Written();
        WaitFor(() => Checkpointer.Failure is not null);

        var refused = Assert.Throws<InvalidOperationException>(() =>
            _t.Put("Patient", "p-refused", 1, "p-refused", """{"resourceType":"Patient","id":"p-refused"}"""));
        Assert.Contains("write-ahead log", refused.Message, StringComparison.Ordinal);
        Assert.IsType<IOException>(refused.InnerException);
        Assert.Null(_t.Vault.Read("Patient", "p-refused"));
        Assert.NotNull(_t.Vault.Read("Patient", "p-before"));

        _t.Reopen();
        Assert.Null(Checkpointer.Failure);
        _t.Put("Patient", "p-after", 1, "p-after", """{"resourceType":"Patient","id":"p-after"}""");
        Checkpointer.Written();
        WaitFor(() => Checkpointer.Rounds > 0 && Checkpointer.LastResult.Copied == Checkpointer.LastResult.Log);
        Assert.NotNull(_t.Vault.Read("Patient", "p-after"));
    }

    public void Dispose()
    {
        if (_t.Vault.Checkpointer is { } checkpointer)
        {
            checkpointer.DuringCheckpoint = null;
        }

        _t.Dispose();
    }

    /// <summary>Runs <paramref name="work"/> with every background checkpoint held before it starts, released afterwards even
    /// if <paramref name="work"/> fails (the vault's close waits for a checkpoint in progress).</summary>
    private void Held(Action work)
    {
        using var release = new ManualResetEventSlim(false);
        Checkpointer.DuringCheckpoint = () => release.Wait();
        try
        {
            work();
        }
        finally
        {
            release.Set();
            Checkpointer.DuringCheckpoint = null;
        }
    }

    /// <summary>Stages and commits <paramref name="count"/> observations of one patient each, in <paramref name="commits"/> groups.</summary>
    private void StageMany(string prefix, int count, int commits)
    {
        var perGroup = count / commits;
        for (var g = 0; g < commits; g++)
        {
            var tx = Guid.NewGuid().ToByteArray();
            var requests = Enumerable.Range(g * perGroup, perGroup).Select(i => new StageRequest(
                new RecordAddress("Observation", $"{prefix}{i}", 1), $"{prefix}p{i}",
                TestVault.Json($$"""{"resourceType":"Observation","id":"{{prefix}}{{i}}","valueString":"{{new string('x', 300)}}"}"""),
                [IndexEntry.ForToken("code", $"{prefix}code"), IndexEntry.ForToken("status", $"s{i}"),
                    IndexEntry.ForReference("subject", $"Patient/{prefix}p{i}")])).ToList();
            var staged = _t.Vault.Stage(requests, tx);
            _t.Vault.Commit(staged, tx, ledgerDurable: g % 2 == 0);
        }
    }

    private int CountFound(string prefix, Vault? vault = null)
    {
        var found = 0;
        for (var i = 0; ; i++)
        {
            var bytes = (vault ?? _t.Vault).Read("Observation", $"{prefix}{i}");
            if (bytes is null)
            {
                return found;
            }

            Assert.Contains($"\"id\":\"{prefix}{i}\"", Encoding.UTF8.GetString(bytes));
            found++;
        }
    }

    /// <summary>Frames in the WAL file now (its size past the 32-byte header, 24 bytes of header per 4 KiB page).</summary>
    private long WalFrames() => (new FileInfo(_t.DatabasePath + "-wal").Length - 32) / (24 + 4096);
}
