using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;
using CareLedger.Testing;

namespace CareLedger.Ledger.Tests.State;

/// <summary>Runs on SQLite and on PostgreSQL (docs/adr/0006): the same rules over either store.</summary>
public abstract class RecordAuthorRulesTests(StoreKind store)
{
    public sealed class OnSqlite() : RecordAuthorRulesTests(StoreKind.Sqlite)
    {
    }

    public sealed class OnPostgres() : RecordAuthorRulesTests(StoreKind.Postgres)
    {
    }

    private static readonly byte[] Alice = Enumerable.Repeat((byte)0xA1, 16).ToArray();
    private static readonly byte[] Bob = Enumerable.Repeat((byte)0xB0, 16).ToArray();

    private static RecordCommitment Create(byte[]? patient) =>
        new(Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray(), patient, 1, RecordOperation.Create, new byte[32]);

    private static AuthorKey Register(StateWorld world, string role, string label)
    {
        var key = AuthorKey.Generate();
        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(new KeyRegisteredPayload(key.PublicKeySpki, role, label), world.Organisation).Outcome);
        return key;
    }

    [Fact]
    public void A_patient_key_commits_its_own_patients_records_and_no_one_elses()
    {
        using var world = new StateWorld(store);
        using var alice = Register(world, KeyRoles.Patient, KeyLabels.ForPseudonym(Alice));
        var before = world.State.AppliedCount;

        var own = world.CommitOne(new RecordsCommittedPayload([Create(Alice)]), alice);
        var other = world.CommitOne(new RecordsCommittedPayload([Create(Bob)]), alice);
        var mixed = world.CommitOne(new RecordsCommittedPayload([Create(Alice), Create(Bob)]), alice);
        var noPatient = world.CommitOne(new RecordsCommittedPayload([Create(null)]), alice);

        Assert.Equal(RuleOutcome.Accepted, own.Outcome);
        Assert.Equal(RejectionCodes.NotAuthorised, other.Code);
        Assert.Equal(RejectionCodes.NotAuthorised, mixed.Code);
        Assert.Contains("record 1", mixed.Message, StringComparison.Ordinal);
        Assert.Equal(RejectionCodes.NotAuthorised, noPatient.Code);
        Assert.Equal(before + 1, world.State.AppliedCount);
    }

    [Fact]
    public void A_delegate_key_is_bound_to_its_patient_like_a_patient_key()
    {
        using var world = new StateWorld(store);
        using var guardian = Register(world, KeyRoles.Delegate, KeyLabels.ForPseudonym(Bob));

        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(new RecordsCommittedPayload([Create(Bob)]), guardian).Outcome);
        Assert.Equal(RejectionCodes.NotAuthorised, world.CommitOne(new RecordsCommittedPayload([Create(Alice)]), guardian).Code);
    }

    [Theory]
    [InlineData(KeyRoles.Practitioner)]
    [InlineData(KeyRoles.Researcher)]
    [InlineData(KeyRoles.CredentialIssuer)]
    [InlineData("system")]
    public void Keys_of_other_roles_may_not_commit_records(string role)
    {
        using var world = new StateWorld(store);
        using var key = Register(world, role, KeyRoles.IsPersonal(role) ? KeyLabels.ForPseudonym(Bob) : "a registered " + role);

        var verdict = world.CommitOne(new RecordsCommittedPayload([Create(Alice)]), key);

        Assert.Equal(RejectionCodes.NotAuthorised, verdict.Code);
        Assert.Contains(role, verdict.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(KeyRoles.Practitioner)]
    [InlineData(KeyRoles.Researcher)]
    public void A_persons_own_key_signs_anchors_while_registered_and_unrevoked(string role)
    {
        using var world = new StateWorld(store);
        using var person = AuthorKey.Generate();
        var anchor = new AnchorPayload("break-glass", Enumerable.Repeat((byte)0xAB, 32).ToArray(), []);

        var unregistered = world.CommitOne(anchor, person);
        using var registered = Register(world, role, KeyLabels.ForPseudonym(Bob));
        var signed = world.CommitOne(anchor, registered);
        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(new KeyRevokedPayload(registered.Id), world.Organisation).Outcome);
        var afterRevocation = world.CommitOne(new AnchorPayload("break-glass", Enumerable.Repeat((byte)0xAC, 32).ToArray(), []), registered);

        Assert.Equal(RejectionCodes.UnknownAuthor, unregistered.Code);
        Assert.Contains("is not registered", unregistered.Message, StringComparison.Ordinal);
        Assert.Equal(RuleOutcome.Accepted, signed.Outcome);
        Assert.Equal(RejectionCodes.RevokedAuthor, afterRevocation.Code);
        Assert.Contains("was revoked at leaf", afterRevocation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_organisation_key_may_not_commit_records_and_the_node_key_may_commit_any()
    {
        using var world = new StateWorld(store);

        Assert.Equal(RejectionCodes.NotAuthorised, world.CommitOne(new RecordsCommittedPayload([Create(Alice)]), world.Organisation).Code);
        Assert.Equal(RuleOutcome.Accepted, world.CommitOne(new RecordsCommittedPayload([Create(Alice), Create(Bob), Create(null)]), world.Node).Outcome);
    }

    [Theory]
    [InlineData(KeyRoles.Patient, "Alice Smith")]
    [InlineData(KeyRoles.Patient, "pseudonym:A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1")]
    [InlineData(KeyRoles.Delegate, "pseudonym:a1a1a1")]
    [InlineData(KeyRoles.Delegate, "pseudonym:a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1 ")]
    [InlineData(KeyRoles.Practitioner, "Dr Bob Jones")]
    [InlineData(KeyRoles.Practitioner, "Practitioner/520")]
    [InlineData(KeyRoles.Researcher, "rita@example.org")]
    public void A_persons_key_must_be_labelled_with_a_pseudonym_when_registered(string role, string label)
    {
        using var world = new StateWorld(store);
        using var key = AuthorKey.Generate();

        var verdict = world.CommitOne(new KeyRegisteredPayload(key.PublicKeySpki, role, label), world.Organisation);

        Assert.Equal(RejectionCodes.BadPayload, verdict.Code);
        Assert.Null(world.State.FindKey(key.Id));
    }

    [Fact]
    public void A_pseudonym_label_round_trips_and_anything_else_binds_nothing()
    {
        Assert.Equal("pseudonym:a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", KeyLabels.ForPseudonym(Alice));
        Assert.Equal(Alice, KeyLabels.PseudonymOf(KeyLabels.ForPseudonym(Alice)));
        Assert.Null(KeyLabels.PseudonymOf("pseudonym:zz1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a"));
        Assert.Null(KeyLabels.PseudonymOf("lab system"));
        Assert.Throws<ArgumentException>(() => KeyLabels.ForPseudonym(new byte[15]));
    }
}
