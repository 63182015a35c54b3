using CareLedger.Testing;
using CareLedger.Vault.Search;
using CareLedger.Vault.Tests.Support;

namespace CareLedger.Vault.Tests;

/// <summary>Runs on SQLite and on PostgreSQL (docs/adr/0006): the same vault over either store.</summary>
public abstract class VaultTwoPhaseTests : IDisposable
{
    private readonly StoreKind _store;

    private readonly TestVault _t;

    protected VaultTwoPhaseTests(StoreKind store)
    {
        _store = store;
        _t = new TestVault(store);
    }

    public sealed class OnSqlite() : VaultTwoPhaseTests(StoreKind.Sqlite)
    {
    }

    public sealed class OnPostgres() : VaultTwoPhaseTests(StoreKind.Postgres)
    {
    }

    private static StageRequest Request(string type, string id, int version, string? patient = "patient-a", string json = "{}", params IndexEntry[] index) =>
        new(new RecordAddress(type, id, version), patient, TestVault.Json(json), index);

    [Fact]
    public void Staged_versions_are_invisible_until_committed()
    {
        var tx = TestVault.TxId(1);
        // A first version's entries are written into the search tables when it is staged (ADR 0014): still invisible.
        var staged = _t.Vault.Stage([Request("Observation", "o1", 1,
            index: [IndexEntry.ForToken("status", "final"), IndexEntry.ForNumber("value", 7), IndexEntry.ForDate("date", 1000, 1999)])], tx);
        SearchPredicate[] predicates =
        [
            new TokenPredicate("status", ["final"]),
            new NumberPredicate("value", [new NumberCondition(SearchPrefix.Eq, 7)]),
            new DatePredicate("date", [new DateCondition(SearchPrefix.Eq, 1000, 1999)]),
        ];

        Assert.Null(_t.Vault.Read("Observation", "o1"));
        Assert.Null(_t.Vault.Read(new RecordAddress("Observation", "o1", 1)));
        Assert.Empty(_t.Vault.History("Observation", "o1"));
        Assert.Equal(0, _t.Vault.Query(new VaultQuery("Observation") { IncludeTotal = true }).Total);
        Assert.All(predicates, p => Assert.Empty(_t.Vault.Query(new VaultQuery("Observation") { Predicates = [p], IncludeTotal = true }).Records));
        Assert.All(predicates, p => Assert.Equal(0, _t.Vault.Query(new VaultQuery("Observation") { Predicates = [p], IncludeTotal = true }).Total));

        _t.Vault.Commit(staged, tx);

        Assert.Equal("{}", _t.ReadText("Observation", "o1"));
        Assert.All(predicates, p => Assert.Single(_t.Vault.Query(new VaultQuery("Observation") { Predicates = [p] }).Records));
    }

    [Fact]
    public void Staged_versions_of_an_existing_resource_leave_the_current_version_and_its_index_in_place()
    {
        _t.Put("Observation", "o1", 1, "patient-a", """{"v":1}""", IndexEntry.ForToken("status", "preliminary"));

        _t.Vault.Stage([Request("Observation", "o1", 2, json: """{"v":2}""", index: IndexEntry.ForToken("status", "final"))], TestVault.TxId(2));

        Assert.Equal("""{"v":1}""", _t.ReadText("Observation", "o1"));
        Assert.Single(_t.Vault.Query(new VaultQuery("Observation") { Predicates = [new TokenPredicate("status", ["preliminary"])] }).Records);
        Assert.Empty(_t.Vault.Query(new VaultQuery("Observation") { Predicates = [new TokenPredicate("status", ["final"])] }).Records);
    }

    [Fact]
    public void A_commit_of_several_records_is_all_or_nothing()
    {
        var tx = TestVault.TxId(1);
        var first = _t.Vault.Stage([Request("Observation", "o1", 1)], tx);
        var second = _t.Vault.Stage([Request("Observation", "o2", 1)], tx);
        _t.Vault.Abandon(second);

        var error = Assert.Throws<InvalidOperationException>(() => _t.Vault.Commit([.. first, .. second], tx));

        Assert.Contains("Observation/o2/_history/1", error.Message, StringComparison.Ordinal);
        Assert.Null(_t.Vault.Read("Observation", "o1"));
        _t.Vault.Commit(first, tx);
        Assert.Equal("{}", _t.ReadText("Observation", "o1"));
    }

    [Fact]
    public void One_transaction_updating_several_resources_replaces_every_kind_of_index_entry_of_each()
    {
        _t.Put("Observation", "o1", 1, "patient-a", """{"v":1}""", IndexEntry.ForToken("status", "preliminary"), IndexEntry.ForNumber("value", 1), IndexEntry.ForDate("date", 1000, 1999));
        _t.Put("Observation", "o2", 1, "patient-a", """{"v":1}""", IndexEntry.ForToken("status", "preliminary"), IndexEntry.ForNumber("value", 2), IndexEntry.ForDate("date", 2000, 2999));
        var tx = TestVault.TxId(7);
        var staged = _t.Vault.Stage(
        [
            Request("Observation", "o1", 2, json: """{"v":2}""", index: [IndexEntry.ForToken("status", "final"), IndexEntry.ForNumber("value", 10), IndexEntry.ForDate("date", 10_000, 10_999)]),
            Request("Observation", "o2", 2, json: """{"v":2}"""),
            Request("Observation", "o3", 1, json: """{"v":1}""", index: IndexEntry.ForToken("status", "final")),
        ], tx);

        _t.Vault.Commit(staged, tx);

        int Count(SearchPredicate predicate) => _t.Vault.Query(new VaultQuery("Observation") { Predicates = [predicate] }).Records.Count;
        Assert.Equal(0, Count(new TokenPredicate("status", ["preliminary"])));
        Assert.Equal(2, Count(new TokenPredicate("status", ["final"])));
        Assert.Equal(0, Count(new NumberPredicate("value", [new NumberCondition(SearchPrefix.Lt, 5)])));
        Assert.Equal(1, Count(new NumberPredicate("value", [new NumberCondition(SearchPrefix.Eq, 10)])));
        Assert.Equal(0, Count(new DatePredicate("date", [new DateCondition(SearchPrefix.Le, 0, 5000)])));
        Assert.Equal(1, Count(new DatePredicate("date", [new DateCondition(SearchPrefix.Eq, 10_000, 10_999)])));
        Assert.Equal("""{"v":2}""", _t.ReadText("Observation", "o2"));
        Assert.Equal([2, 1], _t.Vault.History("Observation", "o1").Select(v => v.Version));
        Assert.Equal(0, _t.Vault.Query(new VaultQuery("Observation") { IncludeTotal = true }).Total - 3);

        // Committing the same transaction again changes nothing (the version-by-version path recognises it).
        _t.Vault.Commit(staged, tx);
        Assert.Equal(2, Count(new TokenPredicate("status", ["final"])));
    }

    [Fact]
    public void A_stage_of_several_records_is_all_or_nothing()
    {
        _t.Put("Observation", "o2", 1, "patient-a", "{}");

        Assert.Throws<VersionConflictException>(() =>
            _t.Vault.Stage([Request("Observation", "o1", 1, patient: "patient-new"), Request("Observation", "o2", 1)], TestVault.TxId(2)));

        Assert.Null(_t.Vault.TryGetPseudonym("patient-new"));
        var retried = _t.Vault.Stage([Request("Observation", "o1", 1)], TestVault.TxId(3));
        Assert.Single(retried);
    }

    [Theory]
    [InlineData(2, 0)]
    [InlineData(1, 1)]
    [InlineData(3, 1)]
    public void A_version_other_than_current_plus_one_conflicts(int attempted, int committedVersions)
    {
        for (var v = 1; v <= committedVersions; v++)
        {
            _t.Put("Observation", "o1", v, "patient-a", "{}");
        }

        var error = Assert.Throws<VersionConflictException>(() => _t.Vault.Stage([Request("Observation", "o1", attempted)], TestVault.TxId(9)));

        Assert.Equal(committedVersions, error.CurrentVersion);
        Assert.Equal(attempted, error.Attempted.Version);
    }

    [Fact]
    public void A_second_write_of_the_same_version_in_flight_conflicts_until_the_first_is_abandoned()
    {
        _t.Put("Observation", "o1", 1, "patient-a", "{}");
        var first = _t.Vault.Stage([Request("Observation", "o1", 2)], TestVault.TxId(1));

        var error = Assert.Throws<VersionConflictException>(() => _t.Vault.Stage([Request("Observation", "o1", 2)], TestVault.TxId(2)));
        Assert.Contains("already being written", error.Message, StringComparison.Ordinal);

        _t.Vault.Abandon(first);
        var second = _t.Vault.Stage([Request("Observation", "o1", 2, json: """{"second":true}""")], TestVault.TxId(2));
        _t.Vault.Commit(second, TestVault.TxId(2));
        Assert.Equal("""{"second":true}""", _t.ReadText("Observation", "o1"));
    }

    [Fact]
    public void An_abandoned_new_resource_leaves_nothing_behind()
    {
        var staged = _t.Vault.Stage([Request("Observation", "o1", 1,
            index: [IndexEntry.ForToken("status", "final"), IndexEntry.ForNumber("value", 7), IndexEntry.ForDate("date", 1000, 1999)])], TestVault.TxId(1));

        _t.Vault.Abandon(staged);
        _t.Vault.Abandon(staged);

        Assert.Equal("0,0,0,0,0,0", string.Join(",", new[] { "versions", "resources", "staged_index", "token_index", "number_index", "date_index" }
            .Select(table => _t.RawScalar<long>($"SELECT count(*) FROM {table}"))));
        Assert.Throws<InvalidOperationException>(() => _t.Vault.Commit(staged, TestVault.TxId(1)));
    }

    [Fact]
    public void Abandon_leaves_committed_versions_alone()
    {
        var committed = _t.Put("Observation", "o1", 1, "patient-a", "{}");

        _t.Vault.Abandon([committed]);

        Assert.Equal("{}", _t.ReadText("Observation", "o1"));
    }

    [Fact]
    public void Committing_again_with_the_same_transaction_is_a_no_op_and_with_another_is_refused()
    {
        var tx = TestVault.TxId(1);
        var staged = _t.Vault.Stage([Request("Observation", "o1", 1)], tx);
        _t.Vault.Commit(staged, tx);

        _t.Vault.Commit(staged, tx);
        Assert.Throws<InvalidOperationException>(() => _t.Vault.Commit(staged, TestVault.TxId(2)));
        Assert.Single(_t.Vault.History("Observation", "o1"));
    }

    [Fact]
    public void A_commit_the_ledger_made_durable_is_visible_at_once_and_the_next_commits_are_durable_again()
    {
        _t.Put("Observation", "o0", 1, "patient-a", """{"v":1}""", IndexEntry.ForToken("status", "preliminary"));
        var tx = TestVault.TxId(1);
        var staged = _t.Vault.Stage([Request("Observation", "o1", 1, index: IndexEntry.ForToken("status", "final")),
            Request("Observation", "o0", 2, json: """{"v":2}""", index: IndexEntry.ForToken("status", "final"))], tx);

        _t.Vault.Commit(staged, tx, ledgerDurable: true);

        Assert.True(_t.Vault.WriterCommitsDurably());
        Assert.Equal("{}", _t.ReadText("Observation", "o1"));
        Assert.Equal("""{"v":2}""", _t.ReadText("Observation", "o0"));
        Assert.Equal(2, _t.Vault.Query(new VaultQuery("Observation") { Predicates = [new TokenPredicate("status", ["final"])] }).Records.Count);
        Assert.Empty(_t.Vault.Query(new VaultQuery("Observation") { Predicates = [new TokenPredicate("status", ["preliminary"])] }).Records);
        _t.Vault.Commit(staged, tx, ledgerDurable: true);
        Assert.Equal(2, _t.Vault.History("Observation", "o0").Count);
        _t.Reopen();
        Assert.Equal(0, _t.Vault.RecoverPending(_ => throw new InvalidOperationException("nothing should be pending")));
        Assert.Equal("""{"v":2}""", _t.ReadText("Observation", "o0"));
    }

    [Fact]
    public void A_commit_the_ledger_made_durable_refuses_what_a_durable_commit_refuses_and_changes_nothing()
    {
        var staged = _t.Vault.Stage([Request("Observation", "o1", 1)], TestVault.TxId(1));

        Assert.Throws<ArgumentException>(() => _t.Vault.Commit(staged, TestVault.TxId(2), ledgerDurable: true));
        Assert.True(_t.Vault.WriterCommitsDurably());
        Assert.Null(_t.Vault.Read("Observation", "o1"));
        Assert.Empty(_t.Vault.History("Observation", "o1"));
    }

    [Fact]
    public void A_fault_restoring_durable_commits_does_not_fail_the_recoverable_commit_and_no_later_write_commits_without_them()
    {
        var tx = TestVault.TxId(1);
        var staged = _t.Vault.Stage([Request("Observation", "o1", 1)], tx);
        var attempts = 0;
        _t.Vault.BeforeRestoringDurableCommits = () =>
        {
            if (++attempts <= 2)
            {
                throw new InvalidOperationException("the database connection went away");
            }
        };

        // The commit happened (and recovery would redo it), so the fault after it is not its failure.
        _t.Vault.Commit(staged, tx, ledgerDurable: true);
        Assert.Equal("{}", _t.ReadText("Observation", "o1"));
        Assert.False(_t.Vault.WriterCommitsDurably());

        // The next write restores durable commits first; while that fails, the write is refused and stages nothing.
        var refused = Assert.Throws<InvalidOperationException>(() => _t.Vault.Stage([Request("Observation", "o2", 1)], TestVault.TxId(2)));
        Assert.Contains("went away", refused.Message, StringComparison.Ordinal);
        Assert.False(_t.Vault.WriterCommitsDurably());

        var second = _t.Vault.Stage([Request("Observation", "o2", 1)], TestVault.TxId(2));
        Assert.True(_t.Vault.WriterCommitsDurably());
        _t.Vault.Commit(second, TestVault.TxId(2));
        Assert.Equal("{}", _t.ReadText("Observation", "o2"));
        Assert.Single(_t.Vault.History("Observation", "o2"));
        Assert.Equal(3, attempts); // two faults, then restored once; a durable writer is not asked again
    }

    [Fact]
    public void A_version_staged_without_a_transaction_id_is_committed_durably_even_when_the_ledger_holds_the_transaction()
    {
        // Recovery drops such a version, so its commit cannot be left to recovery: it takes the durable path.
        var staged = _t.Vault.Stage(new RecordAddress("Observation", "o1", 1), "patient-a", "{}"u8, []);

        _t.Vault.Commit([staged], TestVault.TxId(1), ledgerDurable: true);

        Assert.True(_t.Vault.WriterCommitsDurably());
        Assert.Equal("{}", _t.ReadText("Observation", "o1"));
    }

    [Fact]
    public void A_record_staged_for_one_transaction_cannot_be_committed_by_another()
    {
        var staged = _t.Vault.Stage([Request("Observation", "o1", 1)], TestVault.TxId(1));

        Assert.Throws<ArgumentException>(() => _t.Vault.Commit(staged, TestVault.TxId(2)));
        Assert.Null(_t.Vault.Read("Observation", "o1"));
    }

    [Fact]
    public void A_staged_record_relabelled_as_another_is_refused()
    {
        var staged = _t.Vault.Stage([Request("Observation", "o1", 1)], TestVault.TxId(1))[0];

        Assert.Throws<ArgumentException>(() => _t.Vault.Commit([staged with { Address = new RecordAddress("Observation", "o2", 1) }], TestVault.TxId(1)));
    }

    [Fact]
    public void Recovery_commits_what_the_ledger_holds_and_drops_the_rest()
    {
        var known = TestVault.TxId(1);
        var lost = TestVault.TxId(2);
        _t.Put("Observation", "o0", 1, "patient-a", """{"v":1}""");
        _t.Vault.Stage([Request("Observation", "o1", 1, index: IndexEntry.ForToken("status", "final")), Request("Observation", "o0", 2, json: """{"v":2}""")], known);
        _t.Vault.Stage([Request("Observation", "o2", 1, index: [IndexEntry.ForToken("status", "final"), IndexEntry.ForNumber("value", 2), IndexEntry.ForDate("date", 2000, 2999)])], lost);
        _t.Vault.Stage(new RecordAddress("Observation", "o3", 1), "patient-a", "{}"u8, []);
        _t.Reopen();
        var asked = new List<string>();

        var committed = _t.Vault.RecoverPending(tx =>
        {
            asked.Add(Convert.ToHexString(tx));
            return tx.AsSpan().SequenceEqual(known);
        });

        Assert.Equal(2, committed);
        Assert.Equal([Convert.ToHexString(known), Convert.ToHexString(lost)], asked.Order(StringComparer.Ordinal));
        Assert.Equal("{}", _t.ReadText("Observation", "o1"));
        Assert.Equal("""{"v":2}""", _t.ReadText("Observation", "o0"));
        Assert.Null(_t.Vault.Read("Observation", "o2"));
        Assert.Null(_t.Vault.Read("Observation", "o3"));
        Assert.Single(_t.Vault.Query(new VaultQuery("Observation") { Predicates = [new TokenPredicate("status", ["final"])] }).Records);
        // The dropped first version's entries, written when it was staged, went with it.
        Assert.Equal("1,0,0", string.Join(",", new[] { "token_index", "number_index", "date_index" }.Select(table => _t.RawScalar<long>($"SELECT count(*) FROM {table}"))));
        Assert.Equal(0, _t.Vault.RecoverPending(_ => throw new InvalidOperationException("nothing should be pending")));
    }

    [Fact]
    public void A_resource_cannot_move_to_another_patient()
    {
        _t.Put("Observation", "o1", 1, "patient-a", "{}");

        Assert.Throws<CompartmentMismatchException>(() => _t.Vault.Stage([Request("Observation", "o1", 2, patient: "patient-b")], TestVault.TxId(2)));
        Assert.Throws<CompartmentMismatchException>(() => _t.Vault.Stage([Request("Observation", "o1", 2, patient: null)], TestVault.TxId(2)));
    }

    public static TheoryData<string, StageRequest> BadRequests => new()
    {
        { "empty content", Request("Observation", "o1", 1, json: "") },
        { "delete with content", Request("Observation", "o1", 2) with { Deleted = true } },
        { "first version a delete", StageRequest.Delete(new RecordAddress("Observation", "o1", 1), "patient-a") },
        { "lower-case type", Request("observation", "o1", 1) },
        { "id with a slash", Request("Observation", "o/1", 1) },
        { "id too long", Request("Observation", new string('a', 65), 1) },
        { "version zero", Request("Observation", "o1", 0) },
        { "blank patient", Request("Observation", "o1", 1, patient: " ") },
        { "number entry with a token", Request("Observation", "o1", 1, index: new IndexEntry("value", IndexKind.Number, Token: "x")) },
        { "date entry ending before it starts", Request("Observation", "o1", 1, index: IndexEntry.ForDate("date", 10, 5)) },
        { "empty token", Request("Observation", "o1", 1, index: IndexEntry.ForToken("code", "")) },
        { "bad parameter name", Request("Observation", "o1", 1, index: IndexEntry.ForToken("co de", "x")) },
        { "undefined kind", Request("Observation", "o1", 1, index: new IndexEntry("code", (IndexKind)99, Token: "x")) },
        { "null index list", new StageRequest(new RecordAddress("Observation", "o1", 1), null, TestVault.Json("{}"), null!) },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Bad_input_is_refused_with_a_reason_and_changes_nothing(string why, StageRequest bad)
    {
        _t.Put("Observation", "o0", 1, "patient-z", "{}");
        var before = RowCounts();

        var error = Assert.Throws<ArgumentException>(() => _t.Vault.Stage([Request("Observation", "ok", 1, patient: "patient-new"), bad], TestVault.TxId(5)));

        Assert.False(string.IsNullOrWhiteSpace(error.Message), why);
        Assert.Equal(before, RowCounts());
        Assert.Null(_t.Vault.TryGetPseudonym("patient-new"));
    }

    [Fact]
    public void The_same_resource_twice_in_one_stage_is_refused()
    {
        Assert.Throws<ArgumentException>(() => _t.Vault.Stage([Request("Observation", "o1", 1), Request("Observation", "o1", 2)], TestVault.TxId(1)));
    }

    [Fact]
    public void An_empty_transaction_id_cannot_commit()
    {
        var staged = _t.Vault.Stage([Request("Observation", "o1", 1)], default);

        Assert.Throws<ArgumentException>(() => _t.Vault.Commit(staged, default));
    }

    public void Dispose()
    {
        _t.Dispose();
        GC.SuppressFinalize(this);
    }

    private string RowCounts() => string.Join(",", new[] { "compartments", "resources", "versions", "staged_index", "token_index", "number_index", "date_index" }
        .Select(table => _t.RawScalar<long>($"SELECT count(*) FROM {table}")));
}
