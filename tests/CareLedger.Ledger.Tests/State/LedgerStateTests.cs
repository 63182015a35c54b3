using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Tests.Engine;
using CareLedger.Ledger.Transactions;
using CareLedger.Testing;

namespace CareLedger.Ledger.Tests.State;

/// <summary>Runs on SQLite and on PostgreSQL (docs/adr/0006): the same rules over either store.</summary>
public abstract class LedgerStateTests(StoreKind store)
{
    public sealed class OnSqlite() : LedgerStateTests(StoreKind.Sqlite)
    {
    }

    public sealed class OnPostgres() : LedgerStateTests(StoreKind.Postgres)
    {
    }

    [Fact]
    public void Applied_transactions_keys_and_the_applied_count_survive_reopening()
    {
        using var world = new StateWorld(store);
        var anchor = StateWorld.TestTransactionsFor(new AnchorPayload("audit-event", [1, 2, 3], []), world.Node);
        world.Commit(anchor);

        world.Reopen();

        Assert.Equal(2, world.State.AppliedCount);
        Assert.True(world.State.TryGetLeafIndex(anchor.Transaction.Id, out var leaf));
        Assert.Equal(1, leaf);
        Assert.Equal(world.Node.PublicKeySpki, world.State.FindKey(world.Node.Id)!.PublicKeySpki);
        Assert.Equal(StateWorld.Origin, world.State.Origin);
        Assert.Equal(RuleOutcome.AlreadyApplied, world.Commit(anchor).Single().Outcome);
    }

    [Fact]
    public void Applying_a_leaf_out_of_order_is_refused_and_changes_nothing()
    {
        using var world = new StateWorld(store);
        var anchor = StateWorld.TestTransactionsFor(new AnchorPayload("audit-event", [1], []), world.Node);
        var skipping = new AppliedTransaction(5, anchor, TransactionPayloads.Decode(anchor.Transaction), Rfc9162.HashLeaf(anchor.Encoded.Span));

        Assert.Throws<InvalidOperationException>(() => world.State.Apply([skipping]));

        Assert.Equal(1, world.State.AppliedCount);
        Assert.False(world.State.TryGetLeafIndex(anchor.Transaction.Id, out _));
    }

    [Fact]
    public void A_state_of_an_unknown_format_version_is_refused()
    {
        using var world = new StateWorld(store);

        world.State.Dispose();
        world.RawExecute("UPDATE meta SET value = '99' WHERE name = 'format'");

        Assert.Contains("format 99", Assert.Throws<LedgerStateException>(world.OpenState).Message, StringComparison.Ordinal);
        world.RawExecute("UPDATE meta SET value = '2' WHERE name = 'format'");
    }

    [Fact]
    public void A_state_whose_applied_count_moved_under_it_is_never_built_upon()
    {
        using var world = new StateWorld(store);
        var anchor = StateWorld.TestTransactionsFor(new AnchorPayload("audit-event", [7], []), world.Node);

        // As after a lost commit, or a second writer: the row no longer says what this process applied.
        world.RawExecute("UPDATE meta SET value = '5' WHERE name = 'applied_count'");

        Assert.Throws<LedgerStateException>(() => world.Commit(anchor));
        world.Reopen();
        Assert.Equal(5, world.State.AppliedCount);
        Assert.False(world.State.TryGetLeafIndex(anchor.Transaction.Id, out _));
    }

    [Fact]
    public void Credential_statuses_survive_reopening()
    {
        using var world = new StateWorld(store);
        using var board = AuthorKey.Generate();
        world.CommitOne(new KeyRegisteredPayload(board.PublicKeySpki, KeyRoles.CredentialIssuer, "Medical Board"), world.Organisation);
        var id = CredentialStatusPayload.HashCredentialId("urn:uuid:7d1c0b1e-3f0a-4c55-8a11-6a0b6c1d2e3f");
        var validUntil = DateTimeOffset.UtcNow.AddYears(2).ToUnixTimeMilliseconds();
        var issued = world.CommitOne(new CredentialStatusPayload(id, CredentialStatusKind.Issued, new byte[32], validUntil), board);

        world.Reopen();

        var credential = world.State.FindCredential(id)!;
        Assert.Equal((CredentialStatusKind.Issued, validUntil, board.Id, issued.LeafIndex), (credential.Status, credential.ValidUntilUnixMs, credential.IssuerKey, credential.Leaf));
        Assert.Equal(RejectionCodes.CredentialExists, world.CommitOne(new CredentialStatusPayload(id, CredentialStatusKind.Issued, new byte[32], validUntil), board).Code);
    }

    [Fact]
    public void The_keys_and_credentials_version_moves_with_every_key_or_credential_change_and_with_nothing_else()
    {
        using var world = new StateWorld(store);
        using var board = AuthorKey.Generate();
        var id = CredentialStatusPayload.HashCredentialId("urn:uuid:5e2c0b1e-3f0a-4c55-8a11-6a0b6c1d2e3f");
        var validUntil = DateTimeOffset.UtcNow.AddYears(2).ToUnixTimeMilliseconds();
        var start = world.State.KeysAndCredentialsVersion;

        world.CommitOne(new AnchorPayload("audit-batch", [1, 2, 3], []), world.Node);
        Assert.Equal(start, world.State.KeysAndCredentialsVersion);

        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(new KeyRegisteredPayload(board.PublicKeySpki, KeyRoles.CredentialIssuer, "Medical Board"), world.Organisation).Outcome);
        var registered = world.State.KeysAndCredentialsVersion;
        Assert.True(registered > start);

        world.CommitOne(new AnchorPayload("audit-batch", [4], []), world.Node);
        Assert.Equal(registered, world.State.KeysAndCredentialsVersion);

        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(new CredentialStatusPayload(id, CredentialStatusKind.Issued, new byte[32], validUntil), board).Outcome);
        var issued = world.State.KeysAndCredentialsVersion;
        Assert.True(issued > registered);

        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(new CredentialStatusPayload(id, CredentialStatusKind.Revoked, new byte[32], validUntil), board).Outcome);
        var credentialRevoked = world.State.KeysAndCredentialsVersion;
        Assert.True(credentialRevoked > issued);

        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(new KeyRevokedPayload(board.Id), world.Organisation).Outcome);
        Assert.True(world.State.KeysAndCredentialsVersion > credentialRevoked);
        Assert.True(world.State.FindKey(board.Id)!.IsRevoked);
    }
}
