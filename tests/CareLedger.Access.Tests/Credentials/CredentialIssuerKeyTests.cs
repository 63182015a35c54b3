using CareLedger.Access.Credentials;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Tests.Credentials;

public sealed class CredentialIssuerKeyTests
{
    [Fact]
    public async Task The_issuer_key_is_saved_owner_only_and_registered_once_as_a_credential_issuer()
    {
        await using var world = await CredentialWorld.CreateAsync();
        var size = world.Ledger.Size;

        var again = await world.Registry.EnsureIssuerKeyAsync();

        var path = world.Options.IssuerKeyPath;
        Assert.Same(world.Board, again);
        Assert.Equal(size, world.Ledger.Size);
        using var saved = AuthorKey.Load(path);
        Assert.Equal(world.Board.Id, saved.Id);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        var record = world.Ledger.State.FindKey(world.Board.Id)!;
        Assert.Equal((KeyRoles.CredentialIssuer, CredentialWorld.BoardName), (record.Role, record.Label));
    }

    [Fact]
    public async Task After_a_restart_the_key_file_renews_and_revokes_what_it_issued()
    {
        await using var world = await CredentialWorld.CreateAsync();
        var issued = await world.IssueAsync(TimeSpan.FromDays(30));
        var boardId = world.Board.Id;

        await world.RestartAsync();
        var renewed = await world.Registry.RenewAsync(issued.Id, world.Clock.GetUtcNow() + TimeSpan.FromDays(400));

        Assert.Equal(boardId, world.Board.Id);
        Assert.True(world.Registry.Verify(renewed.Jwt).Valid);
        Assert.Equal(CredentialStatusKind.Revoked, (await world.Registry.RevokeAsync(issued.Id, "retired")).Status);
    }

    [Fact]
    public async Task A_credential_signed_by_a_key_the_registry_does_not_hold_cannot_be_renewed_here()
    {
        await using var world = await CredentialWorld.CreateAsync();
        using var otherBoard = await world.RegisterKeyAsync(KeyRoles.CredentialIssuer, "Other Board");
        var issued = await world.Registry.IssueAsync(otherBoard, CredentialWorld.Practitioner, CredentialWorld.Licence, world.Clock.GetUtcNow() + TimeSpan.FromDays(30));

        await world.RestartAsync();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => world.Registry.RenewAsync(issued.Id, world.Clock.GetUtcNow() + TimeSpan.FromDays(60)));
        Assert.Contains(otherBoard.Id.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.True(world.Registry.Verify(issued.Jwt).Valid);
    }

    [Fact]
    public async Task A_key_file_registered_with_another_role_is_refused()
    {
        await using var world = await CredentialWorld.CreateAsync();
        using var practitioner = await world.RegisterKeyAsync(KeyRoles.Practitioner, KeyLabels.ForPseudonym(new byte[16]));
        var directory = Path.Combine(world.Root, "other");
        practitioner.Save(Path.Combine(directory, "keys", CredentialRegistry.IssuerKeyFileName));
        using var registry = CredentialRegistry.Open(new CredentialRegistryOptions(directory), world.Ledger);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => registry.EnsureIssuerKeyAsync());

        Assert.Contains("'practitioner'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_crash_between_storing_and_ledgering_is_settled_by_the_ledger_on_open()
    {
        await using var world = await CredentialWorld.CreateAsync();
        var now = PractitionerLicenceCredential.WholeSeconds(world.Clock.GetUtcNow());
        string Jwt(string id) => VcJwt.Sign(new PractitionerLicenceCredential(id, CredentialIdentifiers.IssuerFor(world.Board.Id), now, now.AddDays(30),
            "urn:careledger:test:Practitioner/dr-1", CredentialWorld.Licence), world.Board);
        var ledgered = CredentialIdentifiers.NewCredentialId();
        var lost = CredentialIdentifiers.NewCredentialId();
        var ledgeredJwt = Jwt(ledgered);
        using (var store = CredentialStore.Open(world.Options.DatabasePath))
        {
            store.InsertPending(ledgered, CredentialWorld.Practitioner, world.Board.Id, ledgeredJwt, now);
            store.InsertPending(lost, CredentialWorld.Practitioner, world.Board.Id, Jwt(lost), now);
        }

        await world.Ledger.SubmitAsync(SignedTransaction.Sign(Transaction.Create(
            new CredentialStatusPayload(CredentialStatusPayload.HashCredentialId(ledgered), CredentialStatusKind.Issued, VcJwt.DigestOf(ledgeredJwt), now.AddDays(30).ToUnixTimeMilliseconds()),
            world.Board.Id, world.Clock), world.Board));
        await world.RestartAsync();

        Assert.Equal(ledgeredJwt, world.Registry.Find(ledgered)!.Jwt);
        Assert.Null(world.Registry.Find(lost));
        Assert.True(world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow()).Valid);
    }
}
