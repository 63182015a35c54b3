using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Tests.Engine;
using CareLedger.Ledger.Transactions;
using CareLedger.Storage;
using CareLedger.Testing;

namespace CareLedger.Ledger.Tests.State;

/// <summary>A state database with a genesis applied, and the rules, as the sequencer uses them (without a log);
/// a SQLite file or a schema of its own on the test PostgreSQL server.</summary>
internal sealed class StateWorld : IDisposable
{
    public const string Origin = "test.example/log";

    private readonly TempDirectory directory = new("state");
    private readonly NoteSigningKey logKey = NoteSigningKey.Generate(Origin);
    private readonly CosignerKey cosigner = CosignerKey.Generate(Origin + "/cosigner");

    public StateWorld(StoreKind kind = StoreKind.Sqlite)
    {
        Kind = kind;
        Postgres = TestStore.For(kind);
        State = OpenState();
        Rules = new TransactionRules(State);
        Genesis = new GenesisPayload(Origin, "Test Hospital",
            [new KeyRegisteredPayload(Organisation.PublicKeySpki, KeyRoles.Organisation, "Test Hospital"), new KeyRegisteredPayload(Node.PublicKeySpki, KeyRoles.Node, "node")],
            logKey.VerifierKey.ToVkey(), cosigner.VerifierKey.ToVkey());
        Assert.Equal(RuleOutcome.Accepted, Commit(TestTransactionsFor(Genesis, Organisation)).Single().Outcome);
    }

    public GenesisPayload Genesis { get; }

    public string Path => directory.Combine(LedgerState.FileName);

    public StoreKind Kind { get; }

    /// <summary>The schema of this world's state on the test server, for <see cref="StoreKind.Postgres"/>.</summary>
    public PostgresStore? Postgres { get; }

    public LedgerState OpenState() => Postgres is { } store ? LedgerState.Open(store) : LedgerState.Open(Path);

    /// <summary>Runs SQL on the state while it is closed (<see cref="Reopen"/>), as an attacker with database access would.</summary>
    public void RawExecute(string sql) => TestStore.Execute(new Ledger.Engine.LedgerOptions(directory.Path) { Postgres = Postgres }, sql);

    public LedgerState State { get; private set; }

    public TransactionRules Rules { get; private set; }

    public AuthorKey Organisation { get; } = AuthorKey.Generate();

    public AuthorKey Node { get; } = AuthorKey.Generate();

    public static SignedTransaction TestTransactionsFor(ITransactionPayload payload, AuthorKey key) =>
        SignedTransaction.Sign(Transaction.Create(payload, key.Id, TimeProvider.System), key);

    /// <summary>Judges the transactions as one batch at the next leaves, applies the accepted ones, returns the verdicts.</summary>
    public IReadOnlyList<RuleVerdict> Commit(params SignedTransaction[] batch)
    {
        var verdicts = new List<RuleVerdict>();
        var applied = new List<AppliedTransaction>();
        var next = State.AppliedCount;
        foreach (var signed in batch)
        {
            var payload = TransactionPayloads.Decode(signed.Transaction);
            var leafHash = Rfc9162.HashLeaf(signed.Encoded.Span);
            var verdict = Rules.Check(signed, payload, leafHash, next);
            if (verdict.Outcome == RuleOutcome.Accepted)
            {
                applied.Add(new AppliedTransaction(next++, signed, payload, leafHash));
            }

            verdicts.Add(verdict);
        }

        State.Apply(applied);
        Rules.Clear();
        return verdicts;
    }

    public RuleVerdict CommitOne(ITransactionPayload payload, AuthorKey key) => Commit(TestTransactionsFor(payload, key)).Single();

    public void Reopen(Action? whileClosed = null)
    {
        State.Dispose();
        whileClosed?.Invoke();
        State = OpenState();
        Rules = new TransactionRules(State);
    }

    public void Dispose()
    {
        State.Dispose();
        logKey.Dispose();
        cosigner.Dispose();
        Organisation.Dispose();
        Node.Dispose();
        directory.Dispose();
    }
}
