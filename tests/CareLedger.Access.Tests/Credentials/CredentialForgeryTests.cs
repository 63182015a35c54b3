using CareLedger.Access.Credentials;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Tests.Credentials;

public sealed class CredentialForgeryTests
{
    private static readonly TimeSpan OneYear = TimeSpan.FromDays(365);

    [Fact]
    public async Task A_credential_signed_by_another_key_under_the_boards_kid_is_refused()
    {
        await using var world = await CredentialWorld.CreateAsync();
        var issued = await world.IssueAsync(OneYear);
        using var forger = AuthorKey.Generate();
        var genuine = PractitionerLicenceCredential.Parse(VcJwt.Parse(issued.Jwt).Payload.Span);
        var forgedWithOwnKid = VcJwt.Sign(genuine with { Licence = new PractitionerLicence("MED-999999", "neurosurgery") }, forger);
        var parts = forgedWithOwnKid.Split('.');
        var boardHeader = issued.Jwt.Split('.')[0];

        var verification = world.Registry.Verify(boardHeader + "." + parts[1] + "." + parts[2]);

        Assert.False(verification.Valid);
        Assert.Contains(verification.Reasons, r => r.StartsWith("has a signature that does not verify", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_flipped_signature_bit_is_refused()
    {
        await using var world = await CredentialWorld.CreateAsync();
        var issued = await world.IssueAsync(OneYear);

        var verification = world.Registry.Verify(JwtSurgery.WithFlippedSignatureBit(issued.Jwt));

        Assert.False(verification.Valid);
        Assert.Contains(verification.Reasons, r => r.StartsWith("has a signature that does not verify", StringComparison.Ordinal));
        Assert.Contains(verification.Reasons, r => r.StartsWith("is not the version the ledger records", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_tampered_payload_is_refused()
    {
        await using var world = await CredentialWorld.CreateAsync();
        var issued = await world.IssueAsync(TimeSpan.FromDays(30));

        var extended = JwtSurgery.WithPayload(issued.Jwt, p => p["validUntil"] = "2099-01-01T00:00:00Z");
        var upgraded = JwtSurgery.WithPayload(issued.Jwt, p => p["credentialSubject"]!["speciality"] = "neurosurgery");

        foreach (var tampered in new[] { extended, upgraded })
        {
            var verification = world.Registry.Verify(tampered);
            Assert.False(verification.Valid);
            Assert.Contains(verification.Reasons, r => r.StartsWith("has a signature that does not verify", StringComparison.Ordinal));
            Assert.Contains(verification.Reasons, r => r.StartsWith("is not the version the ledger records", StringComparison.Ordinal));
        }

        Assert.True(world.Registry.Verify(issued.Jwt).Valid);
    }

    [Fact]
    public async Task A_credential_from_an_unregistered_issuer_is_refused()
    {
        await using var world = await CredentialWorld.CreateAsync();
        using var stranger = AuthorKey.Generate();
        var now = world.Clock.GetUtcNow();
        var credential = new PractitionerLicenceCredential(CredentialIdentifiers.NewCredentialId(), CredentialIdentifiers.IssuerFor(stranger.Id),
            PractitionerLicenceCredential.WholeSeconds(now), PractitionerLicenceCredential.WholeSeconds(now + OneYear),
            "urn:careledger:elsewhere:Practitioner/dr-1", CredentialWorld.Licence);

        var verification = world.Registry.Verify(VcJwt.Sign(credential, stranger));

        Assert.False(verification.Valid);
        Assert.Equal(
            [$"is signed by key {stranger.Id}, which is not registered on this ledger", "is not on the ledger (never issued)"],
            verification.Reasons);
    }

    [Fact]
    public async Task A_credential_signed_by_a_key_that_is_not_a_credential_issuer_is_refused()
    {
        await using var world = await CredentialWorld.CreateAsync();
        using var practitioner = await world.RegisterKeyAsync(KeyRoles.Practitioner, KeyLabels.ForPseudonym(new byte[16]));
        var issued = await world.IssueAsync(OneYear);
        var genuine = PractitionerLicenceCredential.Parse(VcJwt.Parse(issued.Jwt).Payload.Span);

        var selfIssued = world.Registry.Verify(VcJwt.Sign(genuine with { Issuer = CredentialIdentifiers.IssuerFor(practitioner.Id) }, practitioner));

        Assert.False(selfIssued.Valid);
        Assert.Contains($"is signed by key {practitioner.Id} of role 'practitioner', not 'credential-issuer'", selfIssued.Reasons);
        Assert.Contains(selfIssued.Reasons, r => r.StartsWith("was recorded on the ledger by key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_credential_naming_another_issuer_than_its_signing_key_is_refused()
    {
        await using var world = await CredentialWorld.CreateAsync();
        var issued = await world.IssueAsync(OneYear);
        var genuine = PractitionerLicenceCredential.Parse(VcJwt.Parse(issued.Jwt).Payload.Span);

        var verification = world.Registry.Verify(VcJwt.Sign(genuine with { Issuer = "urn:careledger:issuer:someone-else" }, world.Board));

        Assert.False(verification.Valid);
        Assert.Contains(verification.Reasons, r => r.StartsWith("names issuer 'urn:careledger:issuer:someone-else'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Credentials_of_a_revoked_issuer_key_stop_verifying()
    {
        await using var world = await CredentialWorld.CreateAsync();
        var issued = await world.IssueAsync(OneYear);

        await world.RevokeKeyAsync(world.Board.Id);

        var verification = world.Registry.Verify(issued.Jwt);
        Assert.False(verification.Valid);
        Assert.Contains(verification.Reasons, r => r.StartsWith($"is signed by issuer key {world.Board.Id}, revoked at leaf", StringComparison.Ordinal));
        Assert.False(world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow()).Valid);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a jwt")]
    [InlineData("a.b")]
    [InlineData("e30.e30.AAAA")]
    [InlineData("eyJhbGciOiJub25lIiwidHlwIjoidmMrand0In0.e30.")]
    public async Task Text_that_is_not_a_vc_jwt_is_refused_with_its_reason(string text)
    {
        await using var world = await CredentialWorld.CreateAsync();

        var verification = world.Registry.Verify(text);

        Assert.False(verification.Valid);
        Assert.StartsWith("is not a VC-JWT: ", Assert.Single(verification.Reasons), StringComparison.Ordinal);
        Assert.Null(verification.CredentialId);
    }
}
