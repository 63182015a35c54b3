using CareLedger.Identity;
using CareLedger.Identity.Accounts;
using CareLedger.Tests.Support;
using Microsoft.Data.Sqlite;

namespace CareLedger.Tests.Identity;

public sealed class IdentityStoreTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _data.Dispose();
    }

    [Fact]
    public async Task An_added_person_is_found_again_after_reopening_the_store()
    {
        UserAccount added;
        await using (var store = await IdentityStore.OpenAsync(_data.Path))
        {
            added = await store.AddUserAsync(new NewUser("Alice", CareLedgerRole.Patient, "Patient/p-1", "alice-demo"));
        }

        await using var reopened = await IdentityStore.OpenAsync(_data.Path);
        var found = await reopened.FindAsync("ALICE");
        Assert.Equal(added, found);
        Assert.Equal("alice", found!.UserName);
        Assert.Equal(CareLedgerRole.Patient, found.Role);
        Assert.Equal("Patient/p-1", found.Reference.ToString());
        Assert.Equal("p-1", found.PatientId);
        Assert.Equal(found, await reopened.FindByIdAsync(found.Id));
        Assert.Null(await reopened.FindAsync("bob"));
    }

    [Fact]
    public async Task Passwords_are_kept_only_as_PBKDF2_SHA512_hashes_with_100k_iterations()
    {
        await using (var store = await IdentityStore.OpenAsync(_data.Path))
        {
            await store.AddUserAsync(new NewUser("alice", CareLedgerRole.Patient, "Patient/p-1", "correct-horse-battery"));
        }

        await using var connection = new SqliteConnection($"Data Source={_data.Combine("identity.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT PasswordHash FROM Users";
        var hash = Convert.FromBase64String((string)(await command.ExecuteScalarAsync())!);
        // ASP.NET Core Identity v3: 0x01, PRF (2 = HMAC-SHA512), iterations, salt length, salt, subkey; all big-endian.
        Assert.Equal(0x01, hash[0]);
        Assert.Equal(2u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(1)));
        Assert.Equal(100_000u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(5)));
        Assert.Equal(16u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(9)));
        foreach (var file in Directory.GetFiles(_data.Path, "identity.db*"))
        {
            Assert.DoesNotContain("correct-horse-battery", System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_database_file_is_readable_by_its_owner_only()
    {
        await using var store = await IdentityStore.OpenAsync(_data.Path);
        Assert.True(File.Exists(_data.Combine("identity.db")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_data.Combine("identity.db")));
        }
    }

    [Fact]
    public async Task A_password_check_succeeds_only_with_the_right_password()
    {
        await using var store = await IdentityStore.OpenAsync(_data.Path);
        var added = await store.AddUserAsync(new NewUser("dr.bob", CareLedgerRole.Clinician, "Practitioner/dr-1", "dr.bob-demo"));
        Assert.Equal(added, (await store.CheckPasswordAsync("dr.bob", "dr.bob-demo", default)).Account);
        Assert.Null((await store.CheckPasswordAsync("dr.bob", "dr.bob-dem0", default)).Account);
        Assert.Null((await store.CheckPasswordAsync("nobody", "dr.bob-demo", default)).Account);
    }

    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_until_the_lockout_ends()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
        await using var store = await IdentityStore.OpenAsync(new IdentityOptions(_data.Path) { Time = clock, MaxFailedLogins = 3 });
        await store.AddUserAsync(new NewUser("alice", CareLedgerRole.Patient, "Patient/p-1", "alice-demo"));

        for (var i = 0; i < 3; i++)
        {
            Assert.False((await store.CheckPasswordAsync("alice", "guess-" + i, default)).LockedOut);
        }

        var locked = await store.CheckPasswordAsync("alice", "alice-demo", default);
        Assert.True(locked.LockedOut);
        Assert.Null(locked.Account);

        clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Assert.NotNull((await store.CheckPasswordAsync("alice", "alice-demo", default)).Account);
    }

    [Fact]
    public async Task A_new_password_replaces_the_old_one()
    {
        await using var store = await IdentityStore.OpenAsync(_data.Path);
        await store.AddUserAsync(new NewUser("oscar", CareLedgerRole.Operator, null, "oscar-demo"));
        await store.SetPasswordAsync("oscar", "a-better-password");
        Assert.Null((await store.CheckPasswordAsync("oscar", "oscar-demo", default)).Account);
        Assert.NotNull((await store.CheckPasswordAsync("oscar", "a-better-password", default)).Account);
        await Assert.ThrowsAsync<IdentityException>(() => store.SetPasswordAsync("nobody", "a-better-password"));
    }

    public static TheoryData<NewUser, string> BadUsers => new()
    {
        { new NewUser("al", CareLedgerRole.Patient, "Patient/p-1", "alice-demo"), "is not a user name" },
        { new NewUser("alice smith", CareLedgerRole.Patient, "Patient/p-1", "alice-demo"), "is not a user name" },
        { new NewUser("alice", CareLedgerRole.Patient, "Patient/p-1", "short"), "at least 8 characters" },
        { new NewUser("alice", CareLedgerRole.Patient, null, "alice-demo"), "needs the FHIR resource they act as" },
        { new NewUser("alice", CareLedgerRole.Patient, "Practitioner/x", "alice-demo"), "acts as a Patient, not a Practitioner" },
        { new NewUser("alice", CareLedgerRole.Patient, "Patient/p-1", "alice-demo") { ActsForPatient = "p-2" }, "acts only for themselves" },
        { new NewUser("dr.bob", CareLedgerRole.Clinician, "Patient/p-1", "dr.bob-demo"), "acts as a Practitioner or PractitionerRole" },
        { new NewUser("grace", CareLedgerRole.Guardian, "RelatedPerson/g-1", "grace-demo"), "needs the id of the patient they act for" },
        { new NewUser("grace", CareLedgerRole.Guardian, "Patient/p-1", "grace-demo") { ActsForPatient = "p-1" }, "acts as a RelatedPerson" },
        { new NewUser("rita", CareLedgerRole.Researcher, "Patient/p-1", "rita-demo"), "acts as a Practitioner or Person" },
        { new NewUser("rita", CareLedgerRole.Researcher, null, "rita-demo") { ActsForPatient = "p-1" }, "does not act for a patient" },
        { new NewUser("rita", CareLedgerRole.Researcher, "Practitioner/bad id", "rita-demo"), "is not a FHIR id" },
        { new NewUser("svc", CareLedgerRole.System, null, "service-secret"), "a system is a client" },
    };

    [Theory]
    [MemberData(nameof(BadUsers))]
    public async Task Bad_accounts_are_refused_with_the_reason_and_nothing_is_stored(NewUser user, string reason)
    {
        await using var store = await IdentityStore.OpenAsync(_data.Path);
        var error = await Assert.ThrowsAsync<IdentityException>(() => store.AddUserAsync(user));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListUsersAsync());
    }

    [Fact]
    public async Task A_user_name_is_taken_whatever_its_case()
    {
        await using var store = await IdentityStore.OpenAsync(_data.Path);
        await store.AddUserAsync(new NewUser("alice", CareLedgerRole.Patient, "Patient/p-1", "alice-demo"));
        var error = await Assert.ThrowsAsync<IdentityException>(() =>
            store.AddUserAsync(new NewUser("ALICE", CareLedgerRole.Caregiver, "RelatedPerson/c-1", "carl-demo") { ActsForPatient = "p-1" }));
        Assert.Contains("is taken", error.Message, StringComparison.Ordinal);
        Assert.Single(await store.ListUsersAsync());
    }

    [Fact]
    public async Task A_guardian_acts_for_the_patient_named_at_creation()
    {
        await using var store = await IdentityStore.OpenAsync(_data.Path);
        var guardian = await store.AddUserAsync(new NewUser("grace", CareLedgerRole.Guardian, "RelatedPerson/g-1", "grace-demo") { ActsForPatient = "p-1" });
        Assert.Equal("p-1", guardian.PatientId);
        Assert.Equal("RelatedPerson/g-1", guardian.Reference.ToString());
    }

    [Fact]
    public async Task A_registered_system_client_is_found_with_its_allowed_scopes_but_never_its_secret()
    {
        await using var store = await IdentityStore.OpenAsync(_data.Path);
        await store.AddClientAsync(new ClientRegistration("lab-1", ClientKind.System)
        {
            Secret = "lab-1-secret-000000",
            AllowedScopes = "system/Observation.cruds",
            FhirReference = "Organization/lab-1",
        });
        var client = await store.FindClientAsync("lab-1");
        Assert.NotNull(client);
        Assert.Equal(ClientKind.System, client.Kind);
        Assert.True(client.IsConfidential);
        Assert.Equal("system/Observation.cruds", client.AllowedScopes.ToString());
        Assert.Equal("Organization/lab-1", client.Reference.ToString());
        Assert.DoesNotContain("lab-1-secret-000000", client.ToString(), StringComparison.Ordinal);
        Assert.Null(await store.FindClientAsync("lab-2"));
    }

    [Fact]
    public async Task A_public_app_gets_the_default_app_scopes_and_its_redirect_uris()
    {
        await using var store = await IdentityStore.OpenAsync(_data.Path);
        await store.AddClientAsync(new ClientRegistration("portal", ClientKind.App) { RedirectUris = [new Uri("https://portal.example/callback")] });
        var client = await store.FindClientAsync("portal");
        Assert.False(client!.IsConfidential);
        Assert.Equal(ClientRegistration.DefaultAppScopes, client.AllowedScopes.ToString());
        Assert.Equal([new Uri("https://portal.example/callback")], client.RedirectUris);
    }

    public static TheoryData<ClientRegistration, string> BadClients => new()
    {
        { new ClientRegistration("x", ClientKind.System) { Secret = "long-enough-secret-1" }, "is not a client id" },
        { new ClientRegistration("svc", ClientKind.System), "authenticates with a secret" },
        { new ClientRegistration("svc", ClientKind.System) { Secret = "short" }, "at least 16 characters" },
        { new ClientRegistration("svc", ClientKind.System) { Secret = "long-enough-secret-1", AllowedScopes = "user/*.rs" }, "only system/* scopes" },
        { new ClientRegistration("svc", ClientKind.System) { Secret = "long-enough-secret-1", AllowedScopes = "system/Foo.rs" }, "not a FHIR R4 resource type" },
        { new ClientRegistration("app", ClientKind.App), "at least one redirect URI" },
        { new ClientRegistration("app", ClientKind.App) { RedirectUris = [new Uri("http://app.example/cb")] }, "must use https" },
        { new ClientRegistration("app", ClientKind.App) { RedirectUris = [new Uri("https://app.example/cb#x")] }, "without a fragment" },
        { new ClientRegistration("app", ClientKind.App) { RedirectUris = [new Uri("https://app.example/cb")], AllowedScopes = "system/*.rs" }, "system/* scopes are for system clients" },
        { new ClientRegistration("app", ClientKind.App) { RedirectUris = [new Uri("https://app.example/cb")], FhirReference = "Organization/o" }, "only a system client" },
    };

    [Theory]
    [MemberData(nameof(BadClients))]
    public async Task Bad_clients_are_refused_with_the_reason_and_nothing_is_stored(ClientRegistration client, string reason)
    {
        await using var store = await IdentityStore.OpenAsync(_data.Path);
        var error = await Assert.ThrowsAsync<IdentityException>(() => store.AddClientAsync(client));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Null(await store.FindClientAsync(client.ClientId));
    }

    [Fact]
    public async Task A_client_id_is_registered_once()
    {
        await using var store = await IdentityStore.OpenAsync(_data.Path);
        var registration = new ClientRegistration("svc", ClientKind.System) { Secret = "long-enough-secret-1" };
        await store.AddClientAsync(registration);
        var error = await Assert.ThrowsAsync<IdentityException>(() => store.AddClientAsync(registration));
        Assert.Contains("is taken", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_of_another_schema_version_is_refused()
    {
        await using (var store = await IdentityStore.OpenAsync(_data.Path))
        {
            await store.AddUserAsync(new NewUser("alice", CareLedgerRole.Patient, "Patient/p-1", "alice-demo"));
        }

        await using (var connection = new SqliteConnection($"Data Source={_data.Combine("identity.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            await command.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => IdentityStore.OpenAsync(_data.Path));
        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Account_requests_never_print_their_secrets()
    {
        Assert.DoesNotContain("alice-demo", new NewUser("alice", CareLedgerRole.Patient, "Patient/p-1", "alice-demo").ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("svc-secret-00000000", new ClientRegistration("svc", ClientKind.System) { Secret = "svc-secret-00000000" }.ToString(), StringComparison.Ordinal);
    }
}
