using System.Data.Common;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Tests.Engine;
using CareLedger.Ledger.Transactions;
using CareLedger.Testing;

namespace CareLedger.Ledger.Tests.State;

/// <summary>
/// A consortium member's state rolled back to a leaf count (ADR 0005) is row for row the state it held at that count:
/// inserted rows go, "closed at leaf" columns reopen, a credential rewritten later is recomputed from the log, and the
/// keys held in memory follow. On SQLite and on PostgreSQL.
/// </summary>
public abstract class StateRollBackTests(StoreKind store)
{
    public sealed class OnSqlite() : StateRollBackTests(StoreKind.Sqlite);

    public sealed class OnPostgres() : StateRollBackTests(StoreKind.Postgres);

    private static readonly long NextYear = DateTimeOffset.UtcNow.AddYears(1).ToUnixTimeMilliseconds();

    [Fact]
    public void A_rolled_back_state_equals_the_state_it_held_at_that_leaf_count()
    {
        using var world = new StateWorld(store);
        var log = new List<SignedTransaction>();
        using var board = AuthorKey.Generate();
        using var clerk = AuthorKey.Generate();
        using var late = AuthorKey.Generate();
        var id = CredentialStatusPayload.HashCredentialId("urn:uuid:2b1c0b1e-3f0a-4c55-8a11-6a0b6c1d2e3f");
        Commit(world, log, new KeyRegisteredPayload(board.PublicKeySpki, KeyRoles.CredentialIssuer, "Medical Board"), world.Organisation);
        Commit(world, log, new KeyRegisteredPayload(clerk.PublicKeySpki, KeyRoles.Node, "clerk"), world.Organisation);
        Commit(world, log, new CredentialStatusPayload(id, CredentialStatusKind.Issued, Digest(1), NextYear), board);
        var count = world.State.AppliedCount;
        var before = Dump(world);
        var position = new OrderingPosition(7, Digest(7), count, 1234);

        // The suffix: the credential renewed and revoked, a key revoked, another registered.
        Commit(world, log, new CredentialStatusPayload(id, CredentialStatusKind.Renewed, Digest(2), NextYear + 1000), board);
        Commit(world, log, new KeyRevokedPayload(clerk.Id), world.Organisation);
        Commit(world, log, new KeyRegisteredPayload(late.PublicKeySpki, KeyRoles.Node, "late"), world.Organisation);
        Commit(world, log, new CredentialStatusPayload(id, CredentialStatusKind.Revoked, Digest(2), NextYear + 1000), board);
        Assert.NotEqual(before, Dump(world));

        var version = world.State.KeysAndCredentialsVersion;

        world.State.RollBack(count, position, leaf => log[(int)leaf]);

        Assert.Equal(before, Dump(world));
        Assert.True(world.State.KeysAndCredentialsVersion > version);
        Assert.Equal(count, world.State.AppliedCount);
        Assert.Equal(position.StreamSequence, world.State.Position!.StreamSequence);
        Assert.Null(world.State.FindKey(clerk.Id)!.RevokedLeaf);
        Assert.Null(world.State.FindKey(late.Id));
        Assert.Equal(CredentialStatusKind.Issued, world.State.FindCredential(id)!.Status);

        // What was rolled back may be applied again, as the stream now orders it.
        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(new KeyRegisteredPayload(late.PublicKeySpki, KeyRoles.Node, "late"), world.Organisation).Outcome);
        world.Reopen();
        Assert.Equal(count + 1, world.State.AppliedCount);
        Assert.Equal(position.StreamSequence, world.State.Position!.StreamSequence);
    }

    private static void Commit(StateWorld world, List<SignedTransaction> log, ITransactionPayload payload, AuthorKey key)
    {
        var signed = StateWorld.TestTransactionsFor(payload, key);
        var verdict = Assert.Single(world.Commit(signed));
        Assert.Equal(RuleOutcome.Accepted, verdict.Outcome);
        while (log.Count < world.State.AppliedCount - 1)
        {
            log.Add(null!);
        }

        log.Add(signed);
    }

    private static List<StateRow> Dump(StateWorld world)
    {
        using DbConnection connection = world.Postgres is { } postgres
            ? new Npgsql.NpgsqlConnection(postgres.SessionConnectionString("test", pooled: false))
            : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={world.Path};Pooling=False");
        connection.Open();
        return [.. StateDump.Rows(connection)];
    }

    private static byte[] Digest(byte fill) => Enumerable.Repeat(fill, 32).ToArray();
}
