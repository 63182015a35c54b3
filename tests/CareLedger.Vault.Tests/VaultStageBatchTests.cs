using CareLedger.Testing;
using CareLedger.Vault.Search;
using CareLedger.Vault.Tests.Support;

namespace CareLedger.Vault.Tests;

/// <summary>
/// A stage writes the index rows of all its first versions together, many resources' rows per statement (and on SQLite
/// through statements bound by position on the writer's handle): every resource is found by its own entries, a repeated
/// entry is stored once, and a stage refused part way leaves nothing. On SQLite and on PostgreSQL (docs/adr/0006).
/// </summary>
public abstract class VaultStageBatchTests : IDisposable
{
    private const int Resources = 45;
    private readonly TestVault _t;

    public sealed class OnSqlite() : VaultStageBatchTests(StoreKind.Sqlite)
    {
    }

    public sealed class OnPostgres() : VaultStageBatchTests(StoreKind.Postgres)
    {
    }

    protected VaultStageBatchTests(StoreKind store) => _t = new TestVault(store);

    [Fact]
    public void A_stage_of_many_new_resources_indexes_each_by_its_own_entries()
    {
        var tx = TestVault.TxId(1);
        var staged = _t.Vault.Stage([.. Enumerable.Range(0, Resources).Select(i => Request(i))], tx);
        _t.Vault.Commit(staged, tx);

        // Distinct rows only: resource i has (i % 7) + 1 codes plus its status, its code 0 twice (stored once).
        var expectedTokens = Enumerable.Range(0, Resources).Sum(i => (i % 7) + 1 + 1 + 1 + 1);
        Assert.Equal(expectedTokens, _t.RawScalar<long>("SELECT count(*) FROM token_index"));
        Assert.Equal(Resources, _t.RawScalar<long>("SELECT count(*) FROM number_index"));
        Assert.Equal(Resources, _t.RawScalar<long>("SELECT count(*) FROM date_index"));
        for (var i = 0; i < Resources; i++)
        {
            Assert.Equal([$"o{i}"], Ids(new TokenPredicate("code", [$"urn:test|{i}-{i % 7}"])));
            Assert.Equal([$"o{i}"], Ids(new NumberPredicate("value", [new NumberCondition(SearchPrefix.Eq, i)])));
            Assert.Equal([$"o{i}"], Ids(new DatePredicate("date", [new DateCondition(SearchPrefix.Eq, i * 1_000L, (i * 1_000L) + 999)])));
            Assert.Equal([$"o{i}"], Ids(new ReferencePredicate("subject", [$"Patient/p{i}"])));
        }

        Assert.Equal(Resources, Ids(new TokenPredicate("status", ["final"])).Length);
        Assert.Equal(["o3"], Ids(new TokenPredicate("name", ["name 3"], Blinded: true)));
    }

    [Fact]
    public void A_stage_refused_part_way_leaves_no_rows_and_the_same_stage_then_succeeds()
    {
        // The last request is a second version of a resource that has none: the whole stage is refused.
        List<StageRequest> requests = [.. Enumerable.Range(0, Resources).Select(i => Request(i)),
            new StageRequest(new RecordAddress("Observation", "missing", 2), "p0", TestVault.Json("{}"), [IndexEntry.ForToken("code", "urn:test|x")])];
        Assert.Throws<VersionConflictException>(() => _t.Vault.Stage(requests, TestVault.TxId(1)));
        foreach (var table in new[] { "token_index", "number_index", "date_index", "versions", "resources" })
        {
            Assert.Equal(0L, _t.RawScalar<long>($"SELECT count(*) FROM {table}"));
        }

        var tx = TestVault.TxId(2);
        _t.Vault.Commit(_t.Vault.Stage([.. Enumerable.Range(0, Resources).Select(i => Request(i))], tx), tx);
        Assert.Equal(["o44"], Ids(new TokenPredicate("code", ["urn:test|44-2"])));
    }

    [Fact]
    public void An_index_prepared_before_the_stage_stores_the_same_rows_as_one_the_stage_prepares()
    {
        var prepared = Request(3, id: "prepared");
        prepared = prepared with { PreparedIndex = _t.Vault.PrepareIndex(prepared.Address, prepared.Index) };
        var tx = TestVault.TxId(1);
        _t.Vault.Commit(_t.Vault.Stage([prepared, Request(3, id: "plain")], tx), tx);

        // The same (param, kind, token) rows for both: as many each, and every one of the prepared resource's found for the other.
        const string RowsOf = "FROM token_index t JOIN resources r ON r.id = t.resource_id WHERE r.logical_id = ";
        var plain = _t.RawScalar<long>($"SELECT count(*) {RowsOf}'plain'");
        Assert.Equal(7L, plain);
        Assert.Equal(plain, _t.RawScalar<long>($"SELECT count(*) {RowsOf}'prepared'"));
        Assert.Equal(plain, _t.RawScalar<long>($"SELECT count(*) {RowsOf}'prepared' AND EXISTS (SELECT 1 FROM token_index b "
            + "JOIN resources rb ON rb.id = b.resource_id WHERE rb.logical_id = 'plain' AND b.param = t.param AND b.kind = t.kind AND b.token = t.token)"));
        Assert.Equal(["plain", "prepared"], Ids(new TokenPredicate("name", ["name 3"], Blinded: true)));
        Assert.Equal(["plain", "prepared"], Ids(new ReferencePredicate("subject", ["Patient/p3"])));
    }

    [Fact]
    public void A_prepared_index_of_other_entries_or_an_invalid_entry_is_refused_and_nothing_is_staged()
    {
        var request = Request(1);
        var other = Request(2);
        var mismatched = request with { PreparedIndex = _t.Vault.PrepareIndex(other.Address, other.Index) };
        Assert.Throws<ArgumentException>(() => _t.Vault.Stage([mismatched], TestVault.TxId(1)));
        Assert.Equal(0L, _t.RawScalar<long>("SELECT count(*) FROM resources"));

        Assert.Throws<ArgumentException>(() => _t.Vault.PrepareIndex(request.Address, [IndexEntry.ForToken("code", "")]));
    }

    public void Dispose()
    {
        _t.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Resource i: (i % 7) + 1 codes (the first twice), a status, a reference, a blinded name, a number and a date.</summary>
    private static StageRequest Request(int i, string? id = null)
    {
        List<IndexEntry> index = [IndexEntry.ForToken("code", $"urn:test|{i}-0")];
        index.AddRange(Enumerable.Range(0, (i % 7) + 1).Select(c => IndexEntry.ForToken("code", $"urn:test|{i}-{c}")));
        index.Add(IndexEntry.ForToken("status", "final"));
        index.Add(IndexEntry.ForReference("subject", $"Patient/p{i}"));
        index.Add(IndexEntry.ForBlindedToken("name", $"name {i}"));
        index.Add(IndexEntry.ForNumber("value", i));
        index.Add(IndexEntry.ForDate("date", i * 1_000L, (i * 1_000L) + 999));
        return new StageRequest(new RecordAddress("Observation", id ?? $"o{i}", 1), $"p{i % 5}", TestVault.Json($"{{\"n\":{i}}}"), index);
    }

    private string[] Ids(SearchPredicate predicate) =>
        [.. _t.Vault.Query(new VaultQuery("Observation") { Predicates = [predicate] }).Records.Select(r => r.Id).Order(StringComparer.Ordinal)];
}
