using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;
using CareLedger.Testing;

namespace CareLedger.Ledger.Tests.State;

/// <summary>Runs on SQLite and on PostgreSQL (docs/adr/0006): the same rules over either store.</summary>
public abstract class TransactionRulesTests(StoreKind store)
{
    public sealed class OnSqlite() : TransactionRulesTests(StoreKind.Sqlite)
    {
    }

    public sealed class OnPostgres() : TransactionRulesTests(StoreKind.Postgres)
    {
    }

    private static readonly byte[] Patient = Enumerable.Repeat((byte)0x22, 16).ToArray();
    private static readonly byte[] Commitment = Enumerable.Repeat((byte)0x33, 32).ToArray();

    private static byte[] NewRecordRef() => Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray();

    private static RecordsCommittedPayload Records(byte[] recordRef, uint version, RecordOperation operation, byte[]? patient = null) =>
        new([new RecordCommitment(recordRef, patient ?? Patient, version, operation, Commitment)]);

    [Fact]
    public void Genesis_registers_the_organisation_and_node_keys()
    {
        using var world = new StateWorld(store);

        Assert.Equal(1, world.State.AppliedCount);
        Assert.Equal(StateWorld.Origin, world.State.Origin);
        Assert.Equal(KeyRoles.Organisation, world.State.FindKey(world.Organisation.Id)!.Role);
        Assert.Equal(KeyRoles.Node, world.State.FindKey(world.Node.Id)!.Role);
    }

    [Fact]
    public void A_second_genesis_is_rejected()
    {
        using var world = new StateWorld(store);

        Assert.Equal(RejectionCodes.GenesisExists, world.CommitOne(world.Genesis, world.Organisation).Code);
    }

    [Fact]
    public void An_unregistered_author_is_rejected()
    {
        using var world = new StateWorld(store);
        using var stranger = AuthorKey.Generate();

        Assert.Equal(RejectionCodes.UnknownAuthor, world.CommitOne(TestAnchor(), stranger).Code);
    }

    [Fact]
    public void Only_the_organisation_key_registers_keys_and_never_a_second_organisation_key()
    {
        using var world = new StateWorld(store);
        using var system = AuthorKey.Generate();

        Assert.Equal(RejectionCodes.NotAuthorised, world.CommitOne(new KeyRegisteredPayload(system.PublicKeySpki, "system", "lab"), world.Node).Code);
        Assert.Equal(RejectionCodes.NotAuthorised, world.CommitOne(new KeyRegisteredPayload(system.PublicKeySpki, KeyRoles.Organisation, "lab"), world.Organisation).Code);
        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(new KeyRegisteredPayload(system.PublicKeySpki, "system", "lab"), world.Organisation).Outcome);
        Assert.Equal(RejectionCodes.KeyExists, world.CommitOne(new KeyRegisteredPayload(system.PublicKeySpki, "system", "lab"), world.Organisation).Code);
    }

    [Fact]
    public void A_revoked_key_can_no_longer_author_and_cannot_be_revoked_twice()
    {
        using var world = new StateWorld(store);

        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(TestAnchor(), world.Node).Outcome);
        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(new KeyRevokedPayload(world.Node.Id), world.Organisation).Outcome);

        Assert.Equal(RejectionCodes.RevokedAuthor, world.CommitOne(TestAnchor(), world.Node).Code);
        Assert.Equal(RejectionCodes.AlreadyRevoked, world.CommitOne(new KeyRevokedPayload(world.Node.Id), world.Organisation).Code);
        Assert.Equal(2, world.State.FindKey(world.Node.Id)!.RevokedLeaf);
    }

    [Fact]
    public void Revoking_an_unknown_key_or_the_organisation_key_is_rejected()
    {
        using var world = new StateWorld(store);
        using var stranger = AuthorKey.Generate();

        Assert.Equal(RejectionCodes.UnknownKey, world.CommitOne(new KeyRevokedPayload(stranger.Id), world.Organisation).Code);
        Assert.Equal(RejectionCodes.NotAuthorised, world.CommitOne(new KeyRevokedPayload(world.Organisation.Id), world.Organisation).Code);
        Assert.Equal(RejectionCodes.NotAuthorised, world.CommitOne(new KeyRevokedPayload(world.Organisation.Id), world.Node).Code);
    }

    [Fact]
    public void The_same_transaction_again_is_already_applied_at_its_first_leaf()
    {
        using var world = new StateWorld(store);
        var anchor = StateWorld.TestTransactionsFor(TestAnchor(), world.Node);

        var first = world.Commit(anchor).Single();
        var again = world.Commit(anchor).Single();

        Assert.Equal(RuleOutcome.Accepted, first.Outcome);
        Assert.Equal(RuleOutcome.AlreadyApplied, again.Outcome);
        Assert.Equal(first.LeafIndex, again.LeafIndex);
        Assert.Equal(2, world.State.AppliedCount);
    }

    [Fact]
    public void The_same_id_with_other_bytes_is_a_conflicting_replay()
    {
        using var world = new StateWorld(store);
        var tx = Transaction.Create(TestAnchor(), world.Node.Id, TimeProvider.System);
        var original = SignedTransaction.Sign(tx, world.Node);
        var altered = SignedTransaction.Sign(tx with { Payload = new AnchorPayload("other", [1], []).Encode() }, world.Node);

        world.Commit(original);

        Assert.Equal(RejectionCodes.ConflictingReplay, world.Commit(altered).Single().Code);
    }

    [Fact]
    public void Record_versions_must_follow_one_another_from_a_create_at_version_1()
    {
        using var world = new StateWorld(store);
        var recordRef = NewRecordRef();

        Assert.Equal(RejectionCodes.VersionConflict, world.CommitOne(Records(recordRef, 1, RecordOperation.Update), world.Node).Code);
        Assert.Equal(RejectionCodes.VersionConflict, world.CommitOne(Records(recordRef, 2, RecordOperation.Create), world.Node).Code);
        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(Records(recordRef, 1, RecordOperation.Create), world.Node).Outcome);
        Assert.Equal(RejectionCodes.VersionConflict, world.CommitOne(Records(recordRef, 1, RecordOperation.Create), world.Node).Code);
        Assert.Equal(RejectionCodes.VersionConflict, world.CommitOne(Records(recordRef, 3, RecordOperation.Update), world.Node).Code);
        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(Records(recordRef, 2, RecordOperation.Update), world.Node).Outcome);

        var history = world.State.RecordHistory(recordRef);
        Assert.Equal([1u, 2u], history.Select(h => h.Record.Version));
        Assert.Equal([RecordOperation.Create, RecordOperation.Update], history.Select(h => h.Record.Operation));
        Assert.Equal(Commitment, history[1].Record.Commitment);
    }

    [Fact]
    public void Nothing_may_be_committed_for_an_erased_patient_and_erasure_happens_once()
    {
        using var world = new StateWorld(store);

        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(new PatientErasedPayload(Patient), world.Node).Outcome);

        Assert.True(world.State.IsPatientErased(Patient));
        Assert.Equal(RejectionCodes.PatientErased, world.CommitOne(Records(NewRecordRef(), 1, RecordOperation.Create), world.Node).Code);
        Assert.Equal(RejectionCodes.AlreadyErased, world.CommitOne(new PatientErasedPayload(Patient), world.Node).Code);
    }

    [Fact]
    public void Rules_see_the_earlier_transactions_of_the_same_batch()
    {
        using var world = new StateWorld(store);
        using var patientKey = AuthorKey.Generate();
        var recordRef = NewRecordRef();

        var verdicts = world.Commit(
            StateWorld.TestTransactionsFor(new KeyRegisteredPayload(patientKey.PublicKeySpki, KeyRoles.Patient, KeyLabels.ForPseudonym(Patient)), world.Organisation),
            StateWorld.TestTransactionsFor(Records(recordRef, 1, RecordOperation.Create), patientKey),
            StateWorld.TestTransactionsFor(Records(recordRef, 1, RecordOperation.Create), patientKey),
            StateWorld.TestTransactionsFor(new PatientErasedPayload(Patient), world.Node),
            StateWorld.TestTransactionsFor(Records(recordRef, 2, RecordOperation.Update), patientKey));

        Assert.Equal(
            [RuleOutcome.Accepted, RuleOutcome.Accepted, RuleOutcome.Rejected, RuleOutcome.Accepted, RuleOutcome.Rejected],
            verdicts.Select(v => v.Outcome));
        Assert.Equal(RejectionCodes.VersionConflict, verdicts[2].Code);
        Assert.Equal(RejectionCodes.PatientErased, verdicts[4].Code);
        Assert.Equal(4, world.State.AppliedCount);
    }

    [Fact]
    public void A_rejected_transaction_changes_nothing()
    {
        using var world = new StateWorld(store);
        using var stranger = AuthorKey.Generate();
        var before = world.State.AppliedCount;
        var rejected = StateWorld.TestTransactionsFor(TestAnchor(), stranger);

        world.Commit(rejected);

        Assert.Equal(before, world.State.AppliedCount);
        Assert.False(world.State.TryGetLeafIndex(rejected.Transaction.Id, out _));
    }

    [Fact]
    public void A_transaction_before_genesis_is_rejected()
    {
        using var directory = new Engine.TempDirectory("state");
        using var state = Engine.TestStore.For(store) is { } postgres ? LedgerState.Open(postgres) : LedgerState.Open(directory.Combine("state.db"));
        using var key = AuthorKey.Generate();
        var rules = new TransactionRules(state);
        var anchor = StateWorld.TestTransactionsFor(TestAnchor(), key);

        var verdict = rules.Check(anchor, TestAnchor(), new byte[32], 0);

        Assert.Equal(RejectionCodes.NoGenesis, verdict.Code);
    }

    private static AnchorPayload TestAnchor() => new("audit-event", Enumerable.Repeat((byte)0xAA, 32).ToArray(), []);
}
