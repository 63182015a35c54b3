using System.Text.Json;
using CareLedger.Access.Credentials;
using CareLedger.Access.People;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Tests.Credentials;

/// <summary>A licence names the practitioner's own ledger key, and stands only while that key does.</summary>
public sealed class PractitionerKeyLinkTests
{
    [Fact]
    public async Task A_credential_issued_to_a_practitioner_names_their_registered_key_and_verifies()
    {
        await using var world = await CredentialWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        var key = await people.GetOrRegisterOwnAsync("acct-dr-1", KeyRoles.Practitioner, world.Ledger, CancellationToken.None);

        var issued = await world.Registry.IssueAsync(world.Board, CredentialWorld.Practitioner, key.Id, CredentialWorld.Licence, world.Clock.GetUtcNow().AddDays(30));

        var verification = world.Registry.Verify(issued.Jwt);
        Assert.True(verification.Valid, string.Join("; ", verification.Reasons));
        Assert.Equal(key.Id, verification.Credential!.SubjectKey);
        using var document = JsonDocument.Parse(VcJwt.Parse(issued.Jwt).Payload);
        Assert.Equal($"urn:careledger:key:{key.Id}", document.RootElement.GetProperty("credentialSubject").GetProperty("ledgerKey").GetString());
        Assert.True(world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow()).Valid);

        var renewed = await world.Registry.RenewAsync(issued.Id, world.Clock.GetUtcNow().AddDays(300));
        Assert.Equal(key.Id, world.Registry.Verify(renewed.Jwt).Credential!.SubjectKey);
    }

    [Fact]
    public async Task Revoking_the_practitioners_key_makes_their_credential_fail_with_the_reason()
    {
        await using var world = await CredentialWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        var key = await people.GetOrRegisterOwnAsync("acct-dr-1", KeyRoles.Practitioner, world.Ledger, CancellationToken.None);
        var issued = await world.Registry.IssueAsync(world.Board, CredentialWorld.Practitioner, key.Id, CredentialWorld.Licence, world.Clock.GetUtcNow().AddDays(30));
        Assert.True(world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow()).Valid);

        var revoked = await people.RevokeAsync("acct-dr-1", world.Ledger, CancellationToken.None);

        var verification = world.Registry.Verify(issued.Jwt);
        Assert.False(verification.Valid);
        Assert.Equal([$"names practitioner key {key.Id}, revoked at leaf {revoked.RevokedLeaf}"], verification.Reasons);
        var check = world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow());
        Assert.False(check.Valid);
        Assert.Contains("revoked at leaf", check.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issuing_to_an_unregistered_revoked_or_non_practitioner_key_is_refused_and_records_nothing()
    {
        await using var world = await CredentialWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        using var stranger = AuthorKey.Generate();
        var researcher = await people.GetOrRegisterOwnAsync("acct-rita", KeyRoles.Researcher, world.Ledger, CancellationToken.None);
        await people.GetOrRegisterOwnAsync("acct-gone", KeyRoles.Practitioner, world.Ledger, CancellationToken.None);
        var gone = await people.RevokeAsync("acct-gone", world.Ledger, CancellationToken.None);
        var size = world.Ledger.Size;
        var until = world.Clock.GetUtcNow().AddDays(30);

        var unregistered = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            world.Registry.IssueAsync(world.Board, CredentialWorld.Practitioner, stranger.Id, CredentialWorld.Licence, until));
        var wrongRole = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            world.Registry.IssueAsync(world.Board, CredentialWorld.Practitioner, researcher.Id, CredentialWorld.Licence, until));
        var revoked = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            world.Registry.IssueAsync(world.Board, CredentialWorld.Practitioner, gone.Id, CredentialWorld.Licence, until));

        Assert.Contains($"{stranger.Id}, which is not registered on this ledger", unregistered.Message, StringComparison.Ordinal);
        Assert.Contains("of role 'researcher', not 'practitioner'", wrongRole.Message, StringComparison.Ordinal);
        Assert.Contains($"revoked at leaf {gone.RevokedLeaf}", revoked.Message, StringComparison.Ordinal);
        Assert.Equal(size, world.Ledger.Size);
        Assert.Empty(world.Registry.ForPractitioner(CredentialWorld.Practitioner));
    }

    [Fact]
    public void The_ledger_key_round_trips_in_the_credential_document_and_a_malformed_one_is_refused()
    {
        var key = KeyId.FromSpki(AuthorKey.Generate().PublicKeySpki);
        var credential = new PractitionerLicenceCredential(CredentialIdentifiers.NewCredentialId(), "urn:careledger:issuer:x",
            PractitionerLicenceCredential.WholeSeconds(DateTimeOffset.UtcNow), PractitionerLicenceCredential.WholeSeconds(DateTimeOffset.UtcNow.AddDays(1)),
            "urn:careledger:test:Practitioner/dr-1", CredentialWorld.Licence, key);

        var json = credential.ToJsonUtf8();
        var parsed = PractitionerLicenceCredential.Parse(json);
        var withoutKey = PractitionerLicenceCredential.Parse((credential with { SubjectKey = null }).ToJsonUtf8());
        var malformed = System.Text.Encoding.UTF8.GetString(json).Replace($"urn:careledger:key:{key}", $"urn:careledger:key:{key}".ToUpperInvariant(), StringComparison.Ordinal);

        Assert.Equal(credential, parsed);
        Assert.Equal(json, parsed.ToJsonUtf8());
        Assert.Null(withoutKey.SubjectKey);
        var error = Assert.Throws<FormatException>(() => PractitionerLicenceCredential.Parse(System.Text.Encoding.UTF8.GetBytes(malformed)));
        Assert.Contains("ledgerKey", error.Message, StringComparison.Ordinal);
    }
}
