using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;
using CareLedger.Testing;

namespace CareLedger.Ledger.Tests.State;

/// <summary>Runs on SQLite and on PostgreSQL (docs/adr/0006): the same rules over either store.</summary>
public abstract class CredentialRulesTests(StoreKind store)
{
    public sealed class OnSqlite() : CredentialRulesTests(StoreKind.Sqlite)
    {
    }

    public sealed class OnPostgres() : CredentialRulesTests(StoreKind.Postgres)
    {
    }

    private static readonly long NextYear = DateTimeOffset.UtcNow.AddYears(1).ToUnixTimeMilliseconds();

    private static byte[] NewId() => CredentialStatusPayload.HashCredentialId($"urn:uuid:{Guid.NewGuid()}");

    private static byte[] Digest(byte fill) => Enumerable.Repeat(fill, 32).ToArray();

    private static CredentialStatusPayload Status(byte[] id, CredentialStatusKind kind, byte fill = 1, long? validUntil = null) =>
        new(id, kind, Digest(fill), validUntil ?? NextYear);

    private static AuthorKey RegisterIssuer(StateWorld world, string role = KeyRoles.CredentialIssuer)
    {
        var key = AuthorKey.Generate();
        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(new KeyRegisteredPayload(key.PublicKeySpki, role, KeyRoles.IsPersonal(role) ? KeyLabels.ForPseudonym(new byte[16]) : "Medical Board"), world.Organisation).Outcome);
        return key;
    }

    [Fact]
    public void Issue_renew_and_revoke_are_recorded_as_the_credentials_latest_status()
    {
        using var world = new StateWorld(store);
        using var board = RegisterIssuer(world);
        var id = NewId();
        var later = NextYear + 1000;

        world.CommitOne(Status(id, CredentialStatusKind.Issued, 1), board);
        var afterIssue = world.State.FindCredential(id)!;
        world.CommitOne(Status(id, CredentialStatusKind.Renewed, 2, later), board);
        var afterRenewal = world.State.FindCredential(id)!;
        var revocation = world.CommitOne(Status(id, CredentialStatusKind.Revoked, 2, later), board);
        var afterRevocation = world.State.FindCredential(id)!;

        Assert.Equal((CredentialStatusKind.Issued, NextYear, board.Id), (afterIssue.Status, afterIssue.ValidUntilUnixMs, afterIssue.IssuerKey));
        Assert.Equal((CredentialStatusKind.Renewed, later), (afterRenewal.Status, afterRenewal.ValidUntilUnixMs));
        Assert.Equal(Digest(2), afterRenewal.Digest);
        Assert.True(afterRevocation.IsRevoked);
        Assert.Equal(revocation.LeafIndex, afterRevocation.Leaf);
        Assert.Equal(Digest(2), afterRevocation.Digest);
        Assert.Null(world.State.FindCredential(NewId()));
    }

    [Fact]
    public void Only_a_credential_issuer_key_records_credential_status()
    {
        using var world = new StateWorld(store);
        using var practitioner = RegisterIssuer(world, KeyRoles.Practitioner);
        var id = NewId();

        Assert.Equal(RejectionCodes.NotAuthorised, world.CommitOne(Status(id, CredentialStatusKind.Issued), world.Node).Code);
        Assert.Equal(RejectionCodes.NotAuthorised, world.CommitOne(Status(id, CredentialStatusKind.Issued), world.Organisation).Code);
        Assert.Equal(RejectionCodes.NotAuthorised, world.CommitOne(Status(id, CredentialStatusKind.Issued), practitioner).Code);
        Assert.Null(world.State.FindCredential(id));
    }

    [Fact]
    public void A_credential_id_is_issued_once_and_only_an_issued_one_is_renewed_or_revoked()
    {
        using var world = new StateWorld(store);
        using var board = RegisterIssuer(world);
        var id = NewId();

        Assert.Equal(RejectionCodes.UnknownCredential, world.CommitOne(Status(id, CredentialStatusKind.Renewed), board).Code);
        Assert.Equal(RejectionCodes.UnknownCredential, world.CommitOne(Status(id, CredentialStatusKind.Revoked), board).Code);
        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(Status(id, CredentialStatusKind.Issued), board).Outcome);
        Assert.Equal(RejectionCodes.CredentialExists, world.CommitOne(Status(id, CredentialStatusKind.Issued, 9), board).Code);
    }

    [Fact]
    public void Revoking_twice_and_renewing_a_revoked_credential_are_rejected()
    {
        using var world = new StateWorld(store);
        using var board = RegisterIssuer(world);
        var id = NewId();
        world.CommitOne(Status(id, CredentialStatusKind.Issued), board);
        var revoked = world.CommitOne(Status(id, CredentialStatusKind.Revoked), board);

        var again = world.CommitOne(Status(id, CredentialStatusKind.Revoked), board);
        var renewal = world.CommitOne(Status(id, CredentialStatusKind.Renewed, 3, NextYear + 1), board);

        Assert.Equal(RejectionCodes.AlreadyRevoked, again.Code);
        Assert.Equal(RejectionCodes.CredentialRevoked, renewal.Code);
        Assert.Equal(revoked.LeafIndex, world.State.FindCredential(id)!.Leaf);
    }

    [Fact]
    public void Only_the_issuing_key_renews_or_revokes_a_credential()
    {
        using var world = new StateWorld(store);
        using var board = RegisterIssuer(world);
        using var otherBoard = RegisterIssuer(world);
        var id = NewId();
        world.CommitOne(Status(id, CredentialStatusKind.Issued), board);

        Assert.Equal(RejectionCodes.NotAuthorised, world.CommitOne(Status(id, CredentialStatusKind.Renewed, 2), otherBoard).Code);
        Assert.Equal(RejectionCodes.NotAuthorised, world.CommitOne(Status(id, CredentialStatusKind.Revoked), otherBoard).Code);
        Assert.Equal(CredentialStatusKind.Issued, world.State.FindCredential(id)!.Status);
    }

    [Fact]
    public void A_revocation_must_name_the_credential_it_revokes()
    {
        using var world = new StateWorld(store);
        using var board = RegisterIssuer(world);
        var id = NewId();
        world.CommitOne(Status(id, CredentialStatusKind.Issued, 1), board);

        Assert.Equal(RejectionCodes.BadPayload, world.CommitOne(Status(id, CredentialStatusKind.Revoked, 7), board).Code);
        Assert.Equal(RejectionCodes.BadPayload, world.CommitOne(Status(id, CredentialStatusKind.Revoked, 1, NextYear - 1), board).Code);
        Assert.False(world.State.FindCredential(id)!.IsRevoked);
    }

    [Fact]
    public void A_credential_that_expires_before_its_own_transaction_is_rejected()
    {
        using var world = new StateWorld(store);
        using var board = RegisterIssuer(world);
        var id = NewId();
        var yesterday = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeMilliseconds();

        Assert.Equal(RejectionCodes.BadPayload, world.CommitOne(Status(id, CredentialStatusKind.Issued, validUntil: yesterday), board).Code);
        world.CommitOne(Status(id, CredentialStatusKind.Issued), board);
        Assert.Equal(RejectionCodes.BadPayload, world.CommitOne(Status(id, CredentialStatusKind.Renewed, 2, yesterday), board).Code);
    }

    [Fact]
    public void Rules_see_the_earlier_credential_statuses_of_the_same_batch()
    {
        using var world = new StateWorld(store);
        using var board = RegisterIssuer(world);
        var id = NewId();

        var verdicts = world.Commit(
            StateWorld.TestTransactionsFor(Status(id, CredentialStatusKind.Issued, 1), board),
            StateWorld.TestTransactionsFor(Status(id, CredentialStatusKind.Renewed, 2), board),
            StateWorld.TestTransactionsFor(Status(id, CredentialStatusKind.Revoked, 2), board),
            StateWorld.TestTransactionsFor(Status(id, CredentialStatusKind.Renewed, 3), board));

        Assert.Equal([RuleOutcome.Accepted, RuleOutcome.Accepted, RuleOutcome.Accepted, RuleOutcome.Rejected], verdicts.Select(v => v.Outcome));
        Assert.Equal(RejectionCodes.CredentialRevoked, verdicts[3].Code);
        Assert.Equal((CredentialStatusKind.Revoked, verdicts[2].LeafIndex), (world.State.FindCredential(id)!.Status, world.State.FindCredential(id)!.Leaf));
    }
}
