using CareLedger.Access.Credentials;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Tests.Credentials;

public sealed class CredentialRegistryTests
{
    private static readonly TimeSpan OneYear = TimeSpan.FromDays(365);

    [Fact]
    public async Task An_issued_credential_verifies_and_its_practitioner_checks_valid()
    {
        await using var world = await CredentialWorld.CreateAsync();

        var issued = await world.IssueAsync(OneYear);
        var verification = world.Registry.Verify(issued.Jwt);
        var check = world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow());

        Assert.True(verification.Valid, string.Join("; ", verification.Reasons));
        Assert.Empty(verification.Reasons);
        Assert.Equal(issued.Id, verification.CredentialId);
        Assert.Equal(CredentialStatusKind.Issued, verification.Status);
        Assert.Equal(issued.LedgerLeaf, verification.LedgerLeaf);
        Assert.Equal(PractitionerLicenceCredential.WholeSeconds(world.Clock.GetUtcNow() + OneYear), verification.ValidUntil);
        Assert.Equal(CredentialWorld.Licence, verification.Credential!.Licence);
        Assert.True(check.Valid, check.Reason);
        Assert.Equal(issued.Id, check.CredentialId);
        Assert.Contains("valid until", check.Reason, StringComparison.Ordinal);
        var onLedger = world.Ledger.State.FindCredential(CredentialStatusPayload.HashCredentialId(issued.Id))!;
        Assert.Equal((world.Board.Id, issued.LedgerLeaf), (onLedger.IssuerKey, onLedger.Leaf));
        Assert.Equal(VcJwt.DigestOf(issued.Jwt), onLedger.Digest);
    }

    [Fact]
    public async Task A_renewal_extends_validity_under_the_same_id_and_supersedes_the_earlier_jwt()
    {
        await using var world = await CredentialWorld.CreateAsync();
        var issued = await world.IssueAsync(TimeSpan.FromDays(30));

        var renewed = await world.Registry.RenewAsync(issued.Id, world.Clock.GetUtcNow() + OneYear);
        world.Clock.Advance(TimeSpan.FromDays(60));

        Assert.Equal(issued.Id, renewed.Id);
        Assert.Equal(CredentialStatusKind.Renewed, renewed.Status);
        Assert.True(renewed.LedgerLeaf > issued.LedgerLeaf);
        var current = world.Registry.Verify(renewed.Jwt);
        Assert.True(current.Valid, string.Join("; ", current.Reasons));
        Assert.Equal(CredentialStatusKind.Renewed, current.Status);
        var earlier = world.Registry.Verify(issued.Jwt);
        Assert.False(earlier.Valid);
        Assert.Contains(earlier.Reasons, r => r.StartsWith("is not the version the ledger records", StringComparison.Ordinal));
        Assert.True(world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow()).Valid);
        Assert.Equal(renewed.Jwt, world.Registry.Find(issued.Id)!.Jwt);
    }

    [Fact]
    public async Task A_revoked_credential_fails_verification_and_the_check_and_cannot_be_revoked_or_renewed_again()
    {
        await using var world = await CredentialWorld.CreateAsync();
        var issued = await world.IssueAsync(OneYear);
        // Checked valid first: the door's answer is kept, and the revocation must end it at once.
        Assert.True(world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow()).Valid);

        var revoked = await world.Registry.RevokeAsync(issued.Id, "licence suspended by the board");

        var verification = world.Registry.Verify(issued.Jwt);
        var check = world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow());
        Assert.False(verification.Valid);
        Assert.Equal(CredentialStatusKind.Revoked, verification.Status);
        Assert.Equal([$"was revoked at leaf {revoked.LedgerLeaf}"], verification.Reasons);
        Assert.False(check.Valid);
        Assert.Equal($"credential {issued.Id} was revoked at leaf {revoked.LedgerLeaf}", check.Reason);
        Assert.Equal("licence suspended by the board", revoked.RevocationReason);
        var size = world.Ledger.Size;
        await Assert.ThrowsAsync<InvalidOperationException>(() => world.Registry.RevokeAsync(issued.Id, "again"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => world.Registry.RenewAsync(issued.Id, world.Clock.GetUtcNow() + OneYear));
        Assert.Equal(size, world.Ledger.Size);
    }

    [Fact]
    public async Task An_expired_credential_fails_verification_and_the_check()
    {
        await using var world = await CredentialWorld.CreateAsync();
        var issued = await world.IssueAsync(TimeSpan.FromDays(30));
        Assert.True(world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow()).Valid);

        world.Clock.Advance(TimeSpan.FromDays(31));

        var verification = world.Registry.Verify(issued.Jwt);
        Assert.False(verification.Valid);
        Assert.Single(verification.Reasons);
        Assert.StartsWith("expired at ", verification.Reasons[0], StringComparison.Ordinal);
        Assert.Equal(CredentialStatusKind.Issued, verification.Status);
        var check = world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow());
        Assert.False(check.Valid);
        Assert.Contains("expired", check.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kept_valid_answer_ends_with_the_revocation_of_the_issuers_key_on_the_ledger()
    {
        await using var world = await CredentialWorld.CreateAsync();
        await world.IssueAsync(OneYear);
        Assert.True(world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow()).Valid);
        Assert.True(world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow()).Valid);

        // Not through the registry: the organisation revokes the board's key, as another member's change would arrive.
        await world.RevokeKeyAsync(world.Board.Id);

        var check = world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow());
        Assert.False(check.Valid);
    }

    [Fact]
    public async Task A_kept_valid_answer_outlives_appends_that_change_no_key_or_credential_and_is_checked_again_after_one_that_does()
    {
        await using var world = await CredentialWorld.CreateAsync();
        await world.IssueAsync(OneYear);
        var first = world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow());
        Assert.True(first.Valid, first.Reason);

        // An audit batch's anchor, as the door's trail appends many times a second: the kept answer itself serves on.
        var size = world.Ledger.Size;
        var node = world.Ledger.Keys.Node;
        await world.Ledger.SubmitAsync(SignedTransaction.Sign(
            Transaction.Create(new AnchorPayload("audit-batch", Enumerable.Repeat((byte)0xA5, 32).ToArray(), new byte[8]), node.Id, TimeProvider.System), node));
        Assert.True(world.Ledger.Size > size);
        Assert.Same(first, world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow()));

        // Any key change (here one that does not concern this credential) checks the ledger again: a new, equal answer.
        await world.RegisterKeyAsync(KeyRoles.Node, "another node");
        var again = world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow());
        Assert.NotSame(first, again);
        Assert.Equal(first, again);

        // And the revocation of the issuer's key refuses the very next question.
        await world.RevokeKeyAsync(world.Board.Id);
        Assert.False(world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow()).Valid);
    }

    [Fact]
    public async Task A_credential_is_not_valid_before_its_valid_from()
    {
        await using var world = await CredentialWorld.CreateAsync();
        var issued = await world.IssueAsync(OneYear);

        var verification = world.Registry.Verify(issued.Jwt, world.Clock.GetUtcNow() - TimeSpan.FromHours(1));

        Assert.False(verification.Valid);
        Assert.StartsWith("is not yet valid", Assert.Single(verification.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_practitioner_without_credentials_or_a_caller_who_is_not_one_checks_invalid()
    {
        await using var world = await CredentialWorld.CreateAsync();
        await world.IssueAsync(OneYear);

        var stranger = world.Registry.Check("Practitioner/dr-2", world.Clock.GetUtcNow());
        var patient = world.Registry.Check("Patient/p-1", world.Clock.GetUtcNow());

        Assert.Equal(new CredentialCheck(false, "no credential", null), stranger);
        Assert.False(patient.Valid);
    }

    [Fact]
    public async Task A_kept_valid_answer_serves_only_its_own_reference_and_malformed_references_are_still_refused()
    {
        await using var world = await CredentialWorld.CreateAsync();
        await world.IssueAsync(OneYear);
        var now = world.Clock.GetUtcNow();
        var first = world.Registry.Check(CredentialWorld.Practitioner, now);
        Assert.True(first.Valid, first.Reason);

        // The kept answer is found before the reference's form is checked: a reference that only resembles the kept one
        // is not served by it, and the form check still refuses it.
        var notAPractitioner = new CredentialCheck(false, "no credential (the caller is not a practitioner)", null);
        Assert.Equal(notAPractitioner, world.Registry.Check(CredentialWorld.Practitioner + " ", now));
        Assert.Equal(notAPractitioner, world.Registry.Check(" " + CredentialWorld.Practitioner, now));
        Assert.Equal(notAPractitioner, world.Registry.Check(CredentialWorld.Practitioner.ToLowerInvariant(), now));
        Assert.Equal(notAPractitioner, world.Registry.Check(null!, now));
        Assert.Equal(new CredentialCheck(false, "no credential", null), world.Registry.Check(CredentialWorld.Practitioner + "x", now));
        Assert.Same(first, world.Registry.Check(CredentialWorld.Practitioner, now));
    }

    [Fact]
    public async Task The_check_passes_while_any_of_the_practitioners_credentials_is_valid()
    {
        await using var world = await CredentialWorld.CreateAsync();
        var first = await world.IssueAsync(OneYear);
        world.Clock.Advance(TimeSpan.FromSeconds(1));
        var second = await world.IssueAsync(OneYear);

        await world.Registry.RevokeAsync(second.Id, "issued in error");

        var check = world.Registry.Check(CredentialWorld.Practitioner, world.Clock.GetUtcNow());
        Assert.True(check.Valid, check.Reason);
        Assert.Equal(first.Id, check.CredentialId);
        Assert.Equal([second.Id, first.Id], world.Registry.ForPractitioner(CredentialWorld.Practitioner).Select(c => c.Id));
    }

    [Fact]
    public async Task Bad_input_is_refused_and_writes_nothing()
    {
        await using var world = await CredentialWorld.CreateAsync();
        var now = world.Clock.GetUtcNow();
        var size = world.Ledger.Size;
        using var unregistered = CareLedger.Ledger.Crypto.AuthorKey.Generate();

        await Assert.ThrowsAsync<ArgumentException>(() => world.Registry.IssueAsync(world.Board, "Patient/p-1", CredentialWorld.Licence, now + OneYear));
        await Assert.ThrowsAsync<ArgumentException>(() => world.Registry.IssueAsync(world.Board, CredentialWorld.Practitioner, new PractitionerLicence(" ", "surgery"), now + OneYear));
        await Assert.ThrowsAsync<ArgumentException>(() => world.Registry.IssueAsync(world.Board, CredentialWorld.Practitioner, CredentialWorld.Licence, now - TimeSpan.FromDays(1)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => world.Registry.IssueAsync(unregistered, CredentialWorld.Practitioner, CredentialWorld.Licence, now + OneYear));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => world.Registry.RenewAsync(CredentialIdentifiers.NewCredentialId(), now + OneYear));
        await Assert.ThrowsAsync<ArgumentException>(() => world.Registry.RevokeAsync("not-an-id", "reason"));

        Assert.Equal(size, world.Ledger.Size);
        Assert.Empty(world.Registry.List());
    }

    [Fact]
    public async Task A_node_key_cannot_record_credential_status_on_the_ledger()
    {
        await using var world = await CredentialWorld.CreateAsync();
        var node = world.Ledger.Keys.Node;
        var payload = new CredentialStatusPayload(CredentialStatusPayload.HashCredentialId(CredentialIdentifiers.NewCredentialId()), CredentialStatusKind.Issued,
            new byte[32], (world.Clock.GetUtcNow() + OneYear).ToUnixTimeMilliseconds());

        var rejected = await Assert.ThrowsAsync<CareLedger.Ledger.Engine.TransactionRejectedException>(() =>
            world.Ledger.SubmitAsync(SignedTransaction.Sign(Transaction.Create(payload, node.Id, world.Clock), node)).AsTask());

        Assert.Equal(RejectionCodes.NotAuthorised, rejected.Code);
    }
}
