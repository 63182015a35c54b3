using CareLedger.Access.BreakGlass;
using CareLedger.Access.Callers;
using CareLedger.Access.Gate;
using CareLedger.Access.Notifications;
using CareLedger.Access.People;
using CareLedger.Access.Tests.Store;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Tests.BreakGlass;

public sealed class BreakGlassRegistryTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Opening_is_anchored_on_the_ledger_signed_by_the_node_key()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var registry = new BreakGlassRegistry(world.Store, world.Ledger);

        var grant = registry.Open(Clinicians.Named("acct-1"), RegistryWorld.NewPseudonym(), new BreakGlassRequest("unconscious on arrival", Now.AddHours(2)), Guid.NewGuid(), Now);

        var anchor = registry.AnchorOf(grant.Id);
        Assert.NotNull(anchor);
        Assert.Equal(BreakGlassRegistry.AnchorKind, anchor.Event);
        var tx = world.Ledger.ReadTransaction(Assert.NotNull(anchor.LeafIndex)).Transaction;
        Assert.Equal(anchor.Transaction, tx.Id);
        Assert.Equal(world.Ledger.Keys.Node.Id, tx.Author);
        var payload = AnchorPayload.Decode(tx.Payload.Span);
        Assert.Equal("break-glass", payload.Kind);
        Assert.Equal(grant.Id.ToByteArray(bigEndian: true), payload.Context);
        Assert.Equal(registry.RecomputeCommitment(grant.Id), payload.Digest);
        Assert.Equal(32, payload.Digest.Length);
    }

    [Fact]
    public async Task Opening_is_signed_by_the_clinicians_own_practitioner_key_when_the_node_provides_it()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        var registry = new BreakGlassRegistry(world.Store, world.Ledger, signerFor: Signer(people, world));

        var grant = registry.Open(Clinicians.Named("acct-1"), RegistryWorld.NewPseudonym(), new BreakGlassRequest("unconscious on arrival", Now.AddHours(2)), Guid.NewGuid(), Now);

        var author = world.Ledger.ReadTransaction(registry.AnchorOf(grant.Id)!.LeafIndex!.Value).Transaction.Author;
        var key = world.Ledger.State.FindKey(author)!;
        Assert.Equal(KeyRoles.Practitioner, key.Role);
        Assert.Equal(people.Find("acct-1", world.Ledger), key);
        Assert.NotEqual(world.Ledger.Keys.Node.Id, author);
    }

    [Fact]
    public async Task A_clinician_whose_key_was_revoked_cannot_break_the_glass_and_nothing_is_recorded()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        var registry = new BreakGlassRegistry(world.Store, world.Ledger, signerFor: Signer(people, world));
        await people.GetOrRegisterOwnAsync("acct-1", KeyRoles.Practitioner, world.Ledger, CancellationToken.None);
        var revoked = await people.RevokeAsync("acct-1", world.Ledger, CancellationToken.None);
        var patient = RegistryWorld.NewPseudonym();
        var size = world.Ledger.Size;

        var refusal = Assert.Throws<PersonKeyRevokedException>(() =>
            registry.Open(Clinicians.Named("acct-1"), patient, new BreakGlassRequest("stroke", Now.AddHours(1)), Guid.NewGuid(), Now));

        Assert.Contains($"was revoked at leaf {revoked.RevokedLeaf}", refusal.Message, StringComparison.Ordinal);
        Assert.Empty(registry.ForPatient(patient));
        Assert.Empty(new NotificationBox(world.Store).For(NotificationRecipient.Patient(patient)));
        Assert.Equal(size, world.Ledger.Size);
    }

    private static Func<Accessor, Ledger.Crypto.AuthorKey> Signer(PersonKeys people, RegistryWorld world) => who =>
        people.GetOrRegisterOwnAsync(who.Subject, KeyRoles.Practitioner, world.Ledger, CancellationToken.None).GetAwaiter().GetResult();

    [Fact]
    public async Task Opening_again_while_active_returns_the_same_grant_and_notifies_once()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var registry = new BreakGlassRegistry(world.Store, world.Ledger);
        var patient = RegistryWorld.NewPseudonym();
        var sizeBefore = world.Ledger.Size;

        var first = registry.Open(Clinicians.Named("acct-1"), patient, new BreakGlassRequest("cardiac arrest", Now.AddHours(2)), Guid.NewGuid(), Now);
        var again = registry.Open(Clinicians.Named("acct-1"), patient, new BreakGlassRequest("another reason", Now.AddHours(5)), Guid.NewGuid(), Now.AddMinutes(30));

        Assert.Equal(first, again with { Patient = first.Patient });
        Assert.Equal("cardiac arrest", again.Reason);
        Assert.Single(registry.ForPatient(patient));
        Assert.Single(new NotificationBox(world.Store).For(NotificationRecipient.Patient(patient)));
        Assert.Equal(sizeBefore + 1, world.Ledger.Size);
    }

    [Fact]
    public async Task Concurrent_openings_by_one_clinician_on_one_patient_give_one_grant()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var registry = new BreakGlassRegistry(world.Store, world.Ledger);
        var patient = RegistryWorld.NewPseudonym();

        var grants = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
            registry.Open(Clinicians.Named("acct-1"), patient, new BreakGlassRequest("stroke", Now.AddHours(1)), Guid.NewGuid(), Now))));

        Assert.Single(grants.Select(g => g.Id).Distinct());
        Assert.Single(registry.ForPatient(patient));
    }

    [Fact]
    public async Task Another_clinician_on_the_same_patient_opens_a_separate_grant()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var registry = new BreakGlassRegistry(world.Store, world.Ledger);
        var patient = RegistryWorld.NewPseudonym();

        var first = registry.Open(Clinicians.Named("acct-1"), patient, new BreakGlassRequest("stroke", Now.AddHours(1)), Guid.NewGuid(), Now);
        var second = registry.Open(Clinicians.Named("acct-2", "Practitioner/18"), patient, new BreakGlassRequest("stroke", Now.AddHours(1)), Guid.NewGuid(), Now);

        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(2, registry.ForPatient(patient).Count);
    }

    [Fact]
    public async Task An_expired_grant_is_not_active_and_the_next_opening_is_a_new_grant()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var registry = new BreakGlassRegistry(world.Store, world.Ledger);
        var patient = RegistryWorld.NewPseudonym();
        var first = registry.Open(Clinicians.Named("acct-1"), patient, new BreakGlassRequest("sepsis", Now.AddHours(1)), Guid.NewGuid(), Now);

        Assert.Equal(first.Id, registry.Active("acct-1", patient, Now.AddMinutes(59))?.Id);
        Assert.Null(registry.Active("acct-1", patient, Now.AddHours(1)));
        Assert.Null(registry.Active("acct-2", patient, Now.AddMinutes(1)));
        Assert.Null(registry.Active("acct-1", RegistryWorld.NewPseudonym(), Now.AddMinutes(1)));

        var second = registry.Open(Clinicians.Named("acct-1"), patient, new BreakGlassRequest("sepsis again", Now.AddHours(3)), Guid.NewGuid(), Now.AddHours(2));

        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(2, new NotificationBox(world.Store).For(NotificationRecipient.Patient(patient)).Count);
        Assert.Equal(2, registry.ForPatient(patient).Count);
    }

    [Fact]
    public async Task Opening_notifies_the_patient_by_pseudonym_and_the_privacy_officer_without_the_reason()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var registry = new BreakGlassRegistry(world.Store, world.Ledger);
        var box = new NotificationBox(world.Store);
        var patient = RegistryWorld.NewPseudonym();
        var auditId = Guid.NewGuid();

        var grant = registry.Open(Clinicians.Named("acct-1"), patient, new BreakGlassRequest("overdose suspected", Now.AddHours(2)), auditId, Now);

        var toPatient = Assert.Single(box.For(NotificationRecipient.Patient(patient)));
        var toOfficer = Assert.Single(box.For(NotificationRecipient.Role(CareLedgerRole.PrivacyOfficer)));
        foreach (var notification in new[] { toPatient, toOfficer })
        {
            Assert.Equal("break-glass", notification.Kind);
            Assert.Equal(auditId, notification.AuditId);
            Assert.Null(notification.ReadAt);
            Assert.Contains("Practitioner/17", notification.Text, StringComparison.Ordinal);
            Assert.Contains("2026-11-25 12:00:00 UTC", notification.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("overdose", notification.Text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains(Convert.ToHexStringLower(patient), toOfficer.Text, StringComparison.Ordinal);
        Assert.Contains(grant.Id.ToString(), toOfficer.Text, StringComparison.Ordinal);
        Assert.Empty(box.For(NotificationRecipient.Patient(RegistryWorld.NewPseudonym())));
    }

    [Fact]
    public async Task Grants_are_listed_since_a_time_and_by_patient()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var registry = new BreakGlassRegistry(world.Store, world.Ledger);
        var patientA = RegistryWorld.NewPseudonym();
        var patientB = RegistryWorld.NewPseudonym();
        var early = registry.Open(Clinicians.Named("acct-1"), patientA, new BreakGlassRequest("trauma", Now.AddHours(1)), Guid.NewGuid(), Now);
        var late = registry.Open(Clinicians.Named("acct-1"), patientB, new BreakGlassRequest("trauma", Now.AddHours(4)), Guid.NewGuid(), Now.AddHours(3));

        Assert.Equal([early.Id, late.Id], registry.List(null).Select(g => g.Id));
        Assert.Equal([late.Id], registry.List(Now.AddHours(3)).Select(g => g.Id));
        Assert.Empty(registry.List(Now.AddHours(3).AddMilliseconds(1)));
        var forA = Assert.Single(registry.ForPatient(patientA));
        Assert.Equal(early.Id, forA.Id);
        Assert.Equal(patientA, forA.Patient);
        Assert.Equal("acct-1", forA.AccessorSubject);
        Assert.Equal("Practitioner/17", forA.AccessorReference);
        Assert.Equal(Now, forA.OpenedAt);
        Assert.Equal(Now.AddHours(1), forA.ExpiresAt);
    }

    [Fact]
    public async Task Bad_openings_are_refused_and_change_nothing()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var registry = new BreakGlassRegistry(world.Store, world.Ledger);
        var patient = RegistryWorld.NewPseudonym();
        var sizeBefore = world.Ledger.Size;
        var researcher = Clinicians.Named("acct-9") with { Role = CareLedgerRole.Researcher };

        Assert.Throws<ArgumentException>(() => registry.Open(Clinicians.Named("acct-1"), patient, new BreakGlassRequest("  ", Now.AddHours(1)), Guid.NewGuid(), Now));
        Assert.Throws<ArgumentException>(() => registry.Open(Clinicians.Named("acct-1"), patient, new BreakGlassRequest("stroke", Now), Guid.NewGuid(), Now));
        Assert.Throws<ArgumentException>(() => registry.Open(Clinicians.Named("acct-1"), new byte[15], new BreakGlassRequest("stroke", Now.AddHours(1)), Guid.NewGuid(), Now));
        Assert.Throws<ArgumentException>(() => registry.Open(Clinicians.Named("acct-1"), patient, new BreakGlassRequest(new string('x', 2001), Now.AddHours(1)), Guid.NewGuid(), Now));
        var refusal = Assert.Throws<ArgumentException>(() => registry.Open(researcher, patient, new BreakGlassRequest("stroke", Now.AddHours(1)), Guid.NewGuid(), Now));
        Assert.Contains("researcher", refusal.Message, StringComparison.Ordinal);

        Assert.Empty(registry.List(null));
        Assert.Empty(new NotificationBox(world.Store).For(NotificationRecipient.PrivacyOfficer));
        Assert.Equal(sizeBefore, world.Ledger.Size);
    }

    [Fact]
    public async Task An_opening_the_ledger_refuses_is_undone_with_its_notifications()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var registry = new BreakGlassRegistry(world.Store, world.Ledger);
        var patient = RegistryWorld.NewPseudonym();
        await LedgerKeys.RevokeAsync(world.Ledger, world.Ledger.Keys.Node.Id);

        var refusal = Assert.Throws<TransactionRejectedException>(() =>
            registry.Open(Clinicians.Named("acct-1"), patient, new BreakGlassRequest("stroke", Now.AddHours(1)), Guid.NewGuid(), Now));

        Assert.Equal("revoked-author", refusal.Code);
        Assert.Empty(registry.ForPatient(patient));
        Assert.Null(registry.Active("acct-1", patient, Now));
        var box = new NotificationBox(world.Store);
        Assert.Empty(box.For(NotificationRecipient.Patient(patient)));
        Assert.Empty(box.For(NotificationRecipient.PrivacyOfficer));
    }
}
