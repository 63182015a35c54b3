using System.Security.Cryptography;
using System.Text;
using CareLedger.Access.BreakGlass;
using CareLedger.Access.Gate;
using CareLedger.Access.Store;
using CareLedger.Access.Tests.Store;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Tests.BreakGlass;

/// <summary>How break-glass openings sit in DATA/access.db: sealed reasons, the key file, restarts, pending anchors.</summary>
public sealed class BreakGlassStorageTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_reason_is_nowhere_in_plaintext_in_the_data_directory()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var registry = new BreakGlassRegistry(world.Store, world.Ledger);
        var reason = $"suspected opioid overdose, marker {Guid.NewGuid():N}";

        registry.Open(Clinicians.Named("acct-1"), RegistryWorld.NewPseudonym(), new BreakGlassRequest(reason, Now.AddHours(1)), Guid.NewGuid(), Now);

        Assert.Equal(reason, Assert.Single(registry.List(null)).Reason);
        var marker = Encoding.UTF8.GetBytes(reason[^32..]);
        var database = world.DatabaseBytes();
        Assert.True(database.AsSpan().IndexOf("Practitioner/17"u8) >= 0, "the scan must see the rows, whose reference is plain");
        Assert.Equal(-1, database.AsSpan().IndexOf(marker));
        await world.StopAsync();
        foreach (var file in Directory.EnumerateFiles(world.DataDirectory, "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Assert.True(copy.ToArray().AsSpan().IndexOf(marker) < 0, $"the reason appears in plaintext in {file}");
        }
    }

    [Fact]
    public async Task The_access_key_and_database_are_readable_only_by_their_owner()
    {
        await using var world = await RegistryWorld.CreateAsync();
        new BreakGlassRegistry(world.Store, world.Ledger)
            .Open(Clinicians.Named("acct-1"), RegistryWorld.NewPseudonym(), new BreakGlassRequest("stroke", Now.AddHours(1)), Guid.NewGuid(), Now);

        var keyPath = AccessStore.KeyPath(world.DataDirectory);
        Assert.Equal(32, new FileInfo(keyPath).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(world.Store.DatabasePath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(world.Store.DatabasePath + "-wal"));
        }
    }

    [Fact]
    public async Task Grants_and_their_reasons_survive_a_restart()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var patient = RegistryWorld.NewPseudonym();
        var opened = new BreakGlassRegistry(world.Store, world.Ledger)
            .Open(Clinicians.Named("acct-1"), patient, new BreakGlassRequest("anaphylaxis — epinephrine given", Now.AddHours(1)), Guid.NewGuid(), Now);

        await world.RestartAsync();
        var registry = new BreakGlassRegistry(world.Store, world.Ledger);

        var reloaded = Assert.Single(registry.ForPatient(patient));
        Assert.Equal(opened, reloaded with { Patient = opened.Patient });
        Assert.Equal(patient, reloaded.Patient);
        Assert.Equal(opened.Id, registry.Active("acct-1", patient, Now.AddMinutes(5))?.Id);
        var leaf = Assert.NotNull(registry.AnchorOf(opened.Id)?.LeafIndex);
        var anchored = AnchorPayload.Decode(world.Ledger.ReadTransaction(leaf).Transaction.Payload.Span);
        Assert.Equal(anchored.Digest, registry.RecomputeCommitment(opened.Id));
    }

    [Fact]
    public async Task A_database_opened_under_another_key_refuses_to_read_the_reasons()
    {
        await using var world = await RegistryWorld.CreateAsync();
        new BreakGlassRegistry(world.Store, world.Ledger)
            .Open(Clinicians.Named("acct-1"), RegistryWorld.NewPseudonym(), new BreakGlassRequest("stroke", Now.AddHours(1)), Guid.NewGuid(), Now);
        world.Store.Dispose();
        File.WriteAllBytes(AccessStore.KeyPath(world.DataDirectory), RandomNumberGenerator.GetBytes(32));

        await world.RestartAsync();

        Assert.ThrowsAny<CryptographicException>(() => new BreakGlassRegistry(world.Store, world.Ledger).List(null));
    }

    [Fact]
    public async Task A_pending_anchor_is_submitted_by_AnchorPendingAsync_and_a_resubmission_keeps_its_leaf()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var subject = Guid.NewGuid();
        var anchor = AccessStore.SignAnchor(BreakGlassRegistry.AnchorKind, SHA256.HashData("record"u8), subject, world.Ledger.Keys.Node, TimeProvider.System);
        world.Store.Write((c, t) => AccessStore.AddPendingAnchor(c, t, subject, BreakGlassRegistry.AnchorKind, anchor));
        Assert.Null(Assert.Single(world.Store.AnchorsOf(subject)).LeafIndex);

        Assert.Equal(1, await world.Store.AnchorPendingAsync(world.Ledger, CancellationToken.None));
        var leaf = Assert.NotNull(Assert.Single(world.Store.AnchorsOf(subject)).LeafIndex);
        Assert.Equal(0, await world.Store.AnchorPendingAsync(world.Ledger, CancellationToken.None));

        // A crash after the ledger took the anchor but before access.db recorded its leaf: the same bytes go again.
        world.Store.Write((c, t) =>
        {
            using var forget = Sql.Command(c, t, "UPDATE ledger_anchors SET leaf = NULL");
            forget.ExecuteNonQuery();
        });
        var sizeBefore = world.Ledger.Size;
        Assert.Equal(1, await world.Store.AnchorPendingAsync(world.Ledger, CancellationToken.None));
        Assert.Equal(leaf, Assert.Single(world.Store.AnchorsOf(subject)).LeafIndex);
        Assert.Equal(sizeBefore, world.Ledger.Size);
    }
}
