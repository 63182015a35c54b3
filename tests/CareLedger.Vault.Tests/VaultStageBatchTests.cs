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

    public void Dispose()
    {
        _t.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Resource i: (i % 7) + 1 codes (the first twice), a status, a reference, a blinded name, a number and a date.</summary>
    private static StageRequest Request(int i)
    {
        List<IndexEntry> index = [IndexEntry.ForToken("code", $"urn:test|{i}-0")];
        index.AddRange(Enumerable.Range(0, (i % 7) + 1).Select(c => IndexEntry.ForToken("code", $"urn:test|{i}-{c}")));
        index.Add(IndexEntry.ForToken("status", "final"));
        index.Add(IndexEntry.ForReference("subject", $"Patient/p{i}"));
        index.Add(IndexEntry.ForBlindedToken("name", $"name {i}"));
        index.Add(IndexEntry.ForNumber("value", i));
        index.Add(IndexEntry.ForDate("date", i * 1_000L, (i * 1_000L) + 999));
        return new StageRequest(new RecordAddress("Observation", $"o{i}", 1), $"p{i % 5}", TestVault.Json($"{{\"n\":{i}}}"), index);
    }

    private string[] Ids(SearchPredicate predicate) =>
        [.. _t.Vault.Query(new VaultQuery("Observation") { Predicates = [predicate] }).Records.Select(r => r.Id).Order(StringComparer.Ordinal)];
}
