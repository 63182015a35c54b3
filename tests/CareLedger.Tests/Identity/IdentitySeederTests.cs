using CareLedger.Identity.Accounts;
using CareLedger.Identity.Seeding;
using CareLedger.Tests.Support;
using Microsoft.Data.Sqlite;

namespace CareLedger.Tests.Identity;

public sealed class IdentitySeederTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _data.Dispose();
    }

    [Fact]
    public async Task The_demo_has_one_person_per_role_linked_to_the_given_records_and_a_system_client()
    {
        await using var store = await IdentityStore.OpenAsync(_data.Path);
        var result = await IdentitySeeder.SeedDemoAsync(store, IdentitySeeder.DemoAccounts("pat-1", "prac-1"));
        Assert.Equal(new DemoSeedResult(8, 0, true), result);

        var users = await store.ListUsersAsync();
        Assert.Equal(CareLedgerRoles.People.Order(), users.Select(u => u.Role).Order());
        var alice = users.Single(u => u.UserName == "alice");
        Assert.Equal("Patient/pat-1", alice.Reference.ToString());
        Assert.Equal("pat-1", alice.PatientId);
        Assert.Equal("Practitioner/prac-1", users.Single(u => u.Role == CareLedgerRole.Clinician).Reference.ToString());
        Assert.Equal("pat-1", users.Single(u => u.Role == CareLedgerRole.Guardian).PatientId);

        foreach (var account in IdentitySeeder.DemoAccounts("pat-1", "prac-1"))
        {
            Assert.NotNull((await store.CheckPasswordAsync(account.UserName, account.Password, default)).Account);
        }

        var client = await store.FindClientAsync(IdentitySeeder.DemoSystemClientId);
        Assert.Equal(ClientKind.System, client!.Kind);
        Assert.True(client.IsConfidential);
        Assert.Equal(IdentitySeeder.DemoSystemScopes, client.AllowedScopes.ToString());
    }

    [Fact]
    public async Task Seeding_twice_changes_nothing()
    {
        await using var store = await IdentityStore.OpenAsync(_data.Path);
        await IdentitySeeder.SeedDemoAsync(store, IdentitySeeder.DemoAccounts("pat-1", "prac-1"));
        var before = await store.ListUsersAsync();

        var again = await IdentitySeeder.SeedDemoAsync(store, IdentitySeeder.DemoAccounts("pat-1", "prac-1"));
        Assert.Equal(new DemoSeedResult(0, 8, false), again);
        Assert.Equal(before, await store.ListUsersAsync());
    }
}
