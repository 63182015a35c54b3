using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Tests.Engine;
using CareLedger.Ledger.Transactions;
using Microsoft.Data.Sqlite;

namespace CareLedger.Ledger.Tests.State;

public class LedgerStateTests
{
    [Fact]
    public void Applied_transactions_keys_and_the_applied_count_survive_reopening()
    {
        using var world = new StateWorld();
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
        using var world = new StateWorld();
        var anchor = StateWorld.TestTransactionsFor(new AnchorPayload("audit-event", [1], []), world.Node);
        var skipping = new AppliedTransaction(5, anchor, TransactionPayloads.Decode(anchor.Transaction), Rfc9162.HashLeaf(anchor.Encoded.Span));

        Assert.Throws<InvalidOperationException>(() => world.State.Apply([skipping]));

        Assert.Equal(1, world.State.AppliedCount);
        Assert.False(world.State.TryGetLeafIndex(anchor.Transaction.Id, out _));
    }

    [Fact]
    public void A_file_that_is_not_a_state_database_is_refused_with_its_path()
    {
        using var directory = new TempDirectory("state");
        var path = directory.Combine("state.db");
        File.WriteAllText(path, "this is not a database, just some text that is long enough to have a header .....");

        var error = Assert.Throws<LedgerStateException>(() => LedgerState.Open(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_state_of_an_unknown_format_version_is_refused()
    {
        using var directory = new TempDirectory("state");
        var path = directory.Combine("state.db");
        LedgerState.Open(path).Dispose();
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE meta SET value = 99 WHERE name = 'format'";
            command.ExecuteNonQuery();
        }

        Assert.Contains("format 99", Assert.Throws<LedgerStateException>(() => LedgerState.Open(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_format_1_state_gains_an_empty_credentials_table_and_keeps_its_rows()
    {
        using var directory = new TempDirectory("state");
        var path = directory.Combine("state.db");
        LedgerState.Open(path).Dispose();
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE credentials; UPDATE meta SET value = 1 WHERE name = 'format'; UPDATE meta SET value = 0 WHERE name = 'applied_count'";
            command.ExecuteNonQuery();
        }

        using (var state = LedgerState.Open(path))
        {
            Assert.Null(state.FindCredential(new byte[32]));
        }

        using var check = new SqliteConnection($"Data Source={path};Pooling=False");
        check.Open();
        using var format = check.CreateCommand();
        format.CommandText = "SELECT value FROM meta WHERE name = 'format'";
        Assert.Equal(2L, format.ExecuteScalar());
    }

    [Fact]
    public void Credential_statuses_survive_reopening()
    {
        using var world = new StateWorld();
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
}
