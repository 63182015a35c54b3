using System.CommandLine;
using CareLedger.Cli;
using CareLedger.Identity.Accounts;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;
using CareLedger.Node;
using CareLedger.Tests.Support;

namespace CareLedger.Tests.Cli;

/// <summary><c>careledger user revoke-key NAME</c>, run in process through its command builder: the revocation on the ledger and its refusals.</summary>
public sealed class UserRevokeKeyCommandTests
{
    [Fact]
    public async Task A_persons_key_is_revoked_on_the_ledger_once_and_mistakes_end_in_one_clear_line()
    {
        using var directory = new TempDirectory();
        var paths = NodePaths.For(directory.Combine("data"));
        await using (var created = await CareLedgerNode.InitializeAsync(paths, "people.test/cli", "Test Hospital", CancellationToken.None))
        {
        }

        string clinicianId;
        await using (var store = await IdentityStore.OpenAsync(paths.DataDirectory, CancellationToken.None))
        {
            clinicianId = (await store.AddUserAsync(new NewUser("dr.who", CareLedgerRole.Clinician, "Practitioner/dr-1", "a long enough password 1"))).Id;
            await store.AddUserAsync(new NewUser("no.key", CareLedgerRole.Clinician, "Practitioner/dr-2", "a long enough password 2"));
        }

        KeyRecord registered;
        await using (var node = await CareLedgerNode.OpenAsync(paths, CancellationToken.None))
        {
            await node.People.GetOrRegisterOwnAsync(clinicianId, KeyRoles.Practitioner, node.Ledger, CancellationToken.None);
            registered = node.People.Find(clinicianId, node.Ledger)!;
        }

        var unknown = await Assert.ThrowsAsync<CliException>(() => RunAsync("user", "revoke-key", "nobody", "--data", paths.DataDirectory));
        var keyless = await Assert.ThrowsAsync<CliException>(() => RunAsync("user", "revoke-key", "no.key", "--data", paths.DataDirectory));
        Assert.Equal(0, await RunAsync("user", "revoke-key", "dr.who", "--data", paths.DataDirectory));
        var again = await Assert.ThrowsAsync<CliException>(() => RunAsync("user", "revoke-key", "dr.who", "--data", paths.DataDirectory));
        var notANode = await Assert.ThrowsAsync<CliException>(() => RunAsync("user", "revoke-key", "dr.who", "--data", directory.Combine("empty")));

        Assert.Equal("there is no user 'nobody'", unknown.Message);
        Assert.StartsWith("user no.key has no key on the ledger", keyless.Message, StringComparison.Ordinal);
        Assert.StartsWith($"user dr.who's key {registered.Id} was already revoked at leaf ", again.Message, StringComparison.Ordinal);
        Assert.Contains("holds no CareLedger node", notANode.Message, StringComparison.Ordinal);
        Assert.All(new[] { unknown, keyless, again, notANode }, e =>
        {
            Assert.Equal(1, CareLedgerCli.Fail(e));
            Assert.DoesNotContain('\n', e.Message);
        });
        await using var reopened = await CareLedgerNode.OpenAsync(paths, CancellationToken.None);
        var revoked = reopened.People.Find(clinicianId, reopened.Ledger)!;
        Assert.Equal(registered.Id, revoked.Id);
        Assert.NotNull(revoked.RevokedLeaf);
        Assert.Equal(reopened.Ledger.Keys.Organisation.Id, reopened.Ledger.ReadTransaction(revoked.RevokedLeaf!.Value).Transaction.Author);
        // The revoked key is refused from now on: nothing can be signed with it.
        await Assert.ThrowsAsync<global::CareLedger.Access.People.PersonKeyRevokedException>(() =>
            reopened.People.GetOrRegisterOwnAsync(clinicianId, KeyRoles.Practitioner, reopened.Ledger, CancellationToken.None));
    }

    private static Task<int> RunAsync(params string[] args) =>
        new RootCommand { AccountCommands.User() }.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
