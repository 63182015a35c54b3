using CareLedger.Access.People;
using CareLedger.Access.Tests.Store;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Tests.People;

public sealed class PersonKeysTests
{
    [Fact]
    public async Task The_first_request_registers_the_key_bound_to_the_patient_by_the_organisation_key()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        var patient = RegistryWorld.NewPseudonym();

        var key = await people.GetOrRegisterAsync("acct-patient", KeyRoles.Patient, patient, world.Ledger, CancellationToken.None);

        var record = Assert.IsType<Ledger.State.KeyRecord>(world.Ledger.State.FindKey(key.Id));
        Assert.Equal("patient", record.Role);
        Assert.Equal("pseudonym:" + Convert.ToHexStringLower(patient), record.Label);
        Assert.False(record.IsRevoked);
        var registration = world.Ledger.ReadTransaction(record.RegisteredLeaf).Transaction;
        Assert.Equal(TxType.KeyRegistered, registration.Type);
        Assert.Equal(world.Ledger.Keys.Organisation.Id, registration.Author);
        Assert.Equal(key.PublicKeySpki, KeyRegisteredPayload.Decode(registration.Payload.Span).PublicKeySpki);
    }

    [Fact]
    public async Task Later_requests_return_the_same_key_without_registering_again()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        var patient = RegistryWorld.NewPseudonym();
        var first = await people.GetOrRegisterAsync("acct-delegate", KeyRoles.Delegate, patient, world.Ledger, CancellationToken.None);
        var size = world.Ledger.Size;

        var second = await people.GetOrRegisterAsync("acct-delegate", KeyRoles.Delegate, patient, world.Ledger, CancellationToken.None);

        Assert.Same(first, second);
        Assert.Equal(size, world.Ledger.Size);
        Assert.Equal("delegate", world.Ledger.State.FindKey(first.Id)?.Role);
    }

    [Fact]
    public async Task The_key_is_reloaded_from_its_file_after_a_restart()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var patient = RegistryWorld.NewPseudonym();
        Ledger.Crypto.KeyId id;
        using (var people = new PersonKeys(world.DataDirectory))
        {
            id = (await people.GetOrRegisterAsync("acct-patient", KeyRoles.Patient, patient, world.Ledger, CancellationToken.None)).Id;
        }

        await world.RestartAsync();
        var size = world.Ledger.Size;
        using var reopened = new PersonKeys(world.DataDirectory);

        var key = await reopened.GetOrRegisterAsync("acct-patient", KeyRoles.Patient, patient, world.Ledger, CancellationToken.None);

        Assert.Equal(id, key.Id);
        Assert.Equal(size, world.Ledger.Size);
    }

    [Fact]
    public async Task A_key_saved_but_never_registered_is_registered_by_the_next_request()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        var patient = RegistryWorld.NewPseudonym();
        using var saved = Ledger.Crypto.AuthorKey.Generate();
        saved.Save(people.KeyPath("acct-patient"));

        var key = await people.GetOrRegisterAsync("acct-patient", KeyRoles.Patient, patient, world.Ledger, CancellationToken.None);

        Assert.Equal(saved.Id, key.Id);
        Assert.NotNull(world.Ledger.State.FindKey(saved.Id));
    }

    [Fact]
    public async Task Concurrent_first_requests_register_one_key()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        var patient = RegistryWorld.NewPseudonym();
        var size = world.Ledger.Size;

        var keys = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Task.Run(() => people.GetOrRegisterAsync("acct-patient", KeyRoles.Patient, patient, world.Ledger, CancellationToken.None))));

        Assert.Single(keys.Select(k => k.Id).Distinct());
        Assert.Equal(size + 1, world.Ledger.Size);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(people.KeyPath("acct-patient"))!));
    }

    [Fact]
    public async Task Key_files_are_owner_only_and_named_without_the_subject()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);

        await people.GetOrRegisterAsync("acct-patient-4711", KeyRoles.Patient, RegistryWorld.NewPseudonym(), world.Ledger, CancellationToken.None);

        var path = people.KeyPath("acct-patient-4711");
        Assert.True(File.Exists(path));
        Assert.Equal(Path.Combine(world.DataDirectory, "keys", "people"), Path.GetDirectoryName(path));
        Assert.DoesNotContain("4711", Path.GetFileName(path), StringComparison.Ordinal);
        Assert.NotEqual(path, people.KeyPath("acct-patient-4712"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public async Task A_subject_bound_to_one_patient_cannot_speak_for_another_or_in_another_role()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        var patient = RegistryWorld.NewPseudonym();
        await people.GetOrRegisterAsync("acct-delegate", KeyRoles.Delegate, patient, world.Ledger, CancellationToken.None);
        var size = world.Ledger.Size;

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            people.GetOrRegisterAsync("acct-delegate", KeyRoles.Delegate, RegistryWorld.NewPseudonym(), world.Ledger, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            people.GetOrRegisterAsync("acct-delegate", KeyRoles.Patient, patient, world.Ledger, CancellationToken.None));
        Assert.Equal(size, world.Ledger.Size);
    }

    [Fact]
    public async Task A_revoked_key_is_not_handed_out()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        var patient = RegistryWorld.NewPseudonym();
        var key = await people.GetOrRegisterAsync("acct-patient", KeyRoles.Patient, patient, world.Ledger, CancellationToken.None);
        await LedgerKeys.RevokeAsync(world.Ledger, key.Id);

        var error = await Assert.ThrowsAsync<PersonKeyRevokedException>(() =>
            people.GetOrRegisterAsync("acct-patient", KeyRoles.Patient, patient, world.Ledger, CancellationToken.None));

        Assert.Contains("revoked", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_requests_are_refused_and_write_nothing()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        var size = world.Ledger.Size;

        await Assert.ThrowsAsync<ArgumentException>(() =>
            people.GetOrRegisterAsync("acct", KeyRoles.Practitioner, RegistryWorld.NewPseudonym(), world.Ledger, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            people.GetOrRegisterAsync("acct", KeyRoles.Patient, new byte[4], world.Ledger, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            people.GetOrRegisterAsync(" ", KeyRoles.Patient, RegistryWorld.NewPseudonym(), world.Ledger, CancellationToken.None));

        Assert.Equal(size, world.Ledger.Size);
        Assert.False(File.Exists(people.KeyPath("acct")));
    }
}
