using CareLedger.Access.People;
using CareLedger.Access.Tests.Store;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Tests.People;

/// <summary>Practitioners' and researchers' own keys: registered on the ledger like patients', revocable, naming no one.</summary>
public sealed class OwnKeysTests
{
    [Theory]
    [InlineData(KeyRoles.Practitioner)]
    [InlineData(KeyRoles.Researcher)]
    public async Task The_first_request_registers_the_persons_key_under_a_random_pseudonym_and_it_verifies(string role)
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);

        var key = await people.GetOrRegisterOwnAsync("acct-staff-kowalski", role, world.Ledger, CancellationToken.None);
        var other = await people.GetOrRegisterOwnAsync("acct-staff-nowak", role, world.Ledger, CancellationToken.None);

        var record = Assert.IsType<Ledger.State.KeyRecord>(world.Ledger.State.FindKey(key.Id));
        Assert.Equal(role, record.Role);
        Assert.NotNull(KeyLabels.PseudonymOf(record.Label));
        // The label is a random pseudonym in hex: a subject with letters outside hex cannot appear in it by chance
        // (a numeric one did, once in a few thousand runs).
        Assert.DoesNotContain("kowalski", record.Label, StringComparison.Ordinal);
        Assert.NotEqual(record.Label, world.Ledger.State.FindKey(other.Id)!.Label);
        Assert.False(record.IsRevoked);
        var registration = world.Ledger.ReadTransaction(record.RegisteredLeaf);
        Assert.Equal(TxType.KeyRegistered, registration.Transaction.Type);
        Assert.Equal(world.Ledger.Keys.Organisation.Id, registration.Transaction.Author);
        Assert.Equal(record, people.Find("acct-staff-kowalski", world.Ledger));

        // What the key signs verifies with the public key the ledger recorded, and the ledger accepts it as the author.
        var anchor = Anchor(key, 0x01);
        Assert.True(anchor.VerifySignature(record.PublicKeySpki));
        await world.Ledger.SubmitAsync(anchor);
        Assert.Equal(key.Id, world.Ledger.ReadTransaction(world.Ledger.Size - 1).Transaction.Author);
    }

    [Fact]
    public async Task Later_requests_return_the_same_key_and_another_role_is_refused()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        var first = await people.GetOrRegisterOwnAsync("acct-dr", KeyRoles.Practitioner, world.Ledger, CancellationToken.None);
        var size = world.Ledger.Size;

        var again = await people.GetOrRegisterOwnAsync("acct-dr", KeyRoles.Practitioner, world.Ledger, CancellationToken.None);
        var asResearcher = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            people.GetOrRegisterOwnAsync("acct-dr", KeyRoles.Researcher, world.Ledger, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => people.GetOrRegisterOwnAsync("acct-x", KeyRoles.Patient, world.Ledger, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => people.GetOrRegisterOwnAsync("acct-x", "node", world.Ledger, CancellationToken.None));

        Assert.Same(first, again);
        Assert.Contains("practitioner", asResearcher.Message, StringComparison.Ordinal);
        Assert.Equal(size, world.Ledger.Size);
        Assert.Null(people.Find("acct-x", world.Ledger));
    }

    [Fact]
    public async Task A_revoked_key_is_refused_by_the_ledger_and_not_handed_out_again()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        var key = await people.GetOrRegisterOwnAsync("acct-dr", KeyRoles.Practitioner, world.Ledger, CancellationToken.None);

        var revoked = await people.RevokeAsync("acct-dr", world.Ledger, CancellationToken.None);

        Assert.True(revoked.IsRevoked);
        var revocation = world.Ledger.ReadTransaction(revoked.RevokedLeaf!.Value).Transaction;
        Assert.Equal((TxType.KeyRevoked, world.Ledger.Keys.Organisation.Id), (revocation.Type, revocation.Author));
        var signed = await Assert.ThrowsAsync<TransactionRejectedException>(async () => await world.Ledger.SubmitAsync(Anchor(key, 0x02)));
        Assert.Equal("revoked-author", signed.Code);
        Assert.Contains($"author key {key.Id} was revoked at leaf {revoked.RevokedLeaf}", signed.Message, StringComparison.Ordinal);
        var handedOut = await Assert.ThrowsAsync<PersonKeyRevokedException>(() =>
            people.GetOrRegisterOwnAsync("acct-dr", KeyRoles.Practitioner, world.Ledger, CancellationToken.None));
        Assert.Equal((key.Id, revoked.RevokedLeaf), (handedOut.Key, (long?)handedOut.RevokedLeaf));
        Assert.Contains($"was revoked at leaf {revoked.RevokedLeaf}", handedOut.Message, StringComparison.Ordinal);
        var twice = await Assert.ThrowsAsync<InvalidOperationException>(() => people.RevokeAsync("acct-dr", world.Ledger, CancellationToken.None));
        Assert.Contains("already revoked", twice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unregistered_key_is_refused_by_the_ledger_and_cannot_be_revoked()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        using var stranger = AuthorKey.Generate();
        var size = world.Ledger.Size;

        var signed = await Assert.ThrowsAsync<TransactionRejectedException>(async () => await world.Ledger.SubmitAsync(Anchor(stranger, 0x03)));
        var revoke = await Assert.ThrowsAsync<InvalidOperationException>(() => people.RevokeAsync("acct-nobody", world.Ledger, CancellationToken.None));

        Assert.Equal("unknown-author", signed.Code);
        Assert.Contains($"author key {stranger.Id} is not registered", signed.Message, StringComparison.Ordinal);
        Assert.Contains("no key registered", revoke.Message, StringComparison.Ordinal);
        Assert.Equal(size, world.Ledger.Size);
    }

    private static SignedTransaction Anchor(AuthorKey key, byte fill) =>
        SignedTransaction.Sign(Transaction.Create(new AnchorPayload("test", Enumerable.Repeat(fill, 32).ToArray(), []), key.Id, TimeProvider.System), key);
}
