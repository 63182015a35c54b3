using CareLedger.Testing;
using CareLedger.Vault.Search;
using CareLedger.Vault.Storage;
using CareLedger.Vault.Tests.Support;

namespace CareLedger.Vault.Tests;

/// <summary>
/// Schema 2 (ADR 0017): the search tables hold a row once per resource, clustered by resource on SQLite; a schema 1 vault
/// is migrated when it is opened. On SQLite and on PostgreSQL (docs/adr/0006).
/// </summary>
public abstract class VaultSchemaMigrationTests : IDisposable
{
    private const string HeartRate = "http://loinc.org|8867-4";
    private readonly StoreKind _store;
    private readonly TestVault _t;

    public sealed class OnSqlite() : VaultSchemaMigrationTests(StoreKind.Sqlite)
    {
    }

    public sealed class OnPostgres() : VaultSchemaMigrationTests(StoreKind.Postgres)
    {
    }

    protected VaultSchemaMigrationTests(StoreKind store)
    {
        _store = store;
        _t = new TestVault(store);
    }

    [Fact]
    public void A_new_vault_is_schema_2_with_the_search_tables_keyed_by_resource()
    {
        Assert.Equal(2L, _t.RawScalar<long>("SELECT version FROM schema_version"));
        if (_store == StoreKind.Sqlite)
        {
            foreach (var table in new[] { "token_index", "number_index", "date_index" })
            {
                Assert.Contains("WITHOUT ROWID", _t.RawScalar<string>($"SELECT sql FROM sqlite_master WHERE name = '{table}'"), StringComparison.Ordinal);
            }

            Assert.Equal(0L, _t.RawScalar<long>("SELECT count(*) FROM sqlite_master WHERE name LIKE '%_index_by_resource'"));
        }
        else
        {
            Assert.Equal(3L, _t.RawScalar<long>(
                $"SELECT count(*) FROM information_schema.table_constraints WHERE table_schema = '{_t.Postgres!.Schema}' AND constraint_type = 'PRIMARY KEY' AND table_name IN ('token_index', 'number_index', 'date_index')"));
        }
    }

    [Fact]
    public void A_repeated_index_entry_of_one_version_is_stored_once_and_still_found()
    {
        // First version: written straight into the search tables when staged (ADR 0015).
        _t.Put("Observation", "o1", 1, "p1", "{}", Entries(72m));
        Assert.Equal(1L, _t.RawScalar<long>("SELECT count(*) FROM token_index WHERE param = 'code'"));
        Assert.Equal(1L, _t.RawScalar<long>("SELECT count(*) FROM number_index"));
        Assert.Equal(1L, _t.RawScalar<long>("SELECT count(*) FROM date_index"));

        // A later version: staged, then published by the commit.
        _t.Put("Observation", "o1", 2, "p1", "{}", Entries(73m));
        Assert.Equal(1L, _t.RawScalar<long>("SELECT count(*) FROM token_index WHERE param = 'code'"));
        Assert.Equal(["o1"], Ids(new TokenPredicate("code", [HeartRate])));
        Assert.Equal(["o1"], Ids(new NumberPredicate("value", [new NumberCondition(SearchPrefix.Eq, 73m)])));
        Assert.Empty(Ids(new NumberPredicate("value", [new NumberCondition(SearchPrefix.Eq, 72m)])));
    }

    [Fact]
    public void A_schema_1_vault_is_migrated_when_opened_and_answers_the_same()
    {
        _t.Put("Observation", "o1", 1, "p1", "{}", Entries(72m));
        _t.Put("Observation", "o2", 1, "p2", "{}", IndexEntry.ForToken("code", "http://loinc.org|8310-5"), IndexEntry.ForNumber("value", 37.5m));
        _t.Put("Observation", "o2", 2, "p2", "{}", IndexEntry.ForToken("code", HeartRate), IndexEntry.ForNumber("value", 38m));
        // A version staged under schema 1 and committed under schema 2: its staged rows are kept by the migration.
        var tx = TestVault.TxId(7);
        var pending = _t.Vault.Stage([new StageRequest(new RecordAddress("Observation", "o1", 2), "p1", TestVault.Json("{}"), Entries(99m))], tx);
        var tokens = _t.RawScalar<long>("SELECT count(*) FROM token_index");

        _t.Reopen(() => _t.RawExecute(DowngradeToSchema1()));
        Assert.Equal(2L, _t.RawScalar<long>("SELECT version FROM schema_version"));

        Assert.Equal(tokens, _t.RawScalar<long>("SELECT count(*) FROM token_index"));
        Assert.Equal(["o1", "o2"], Ids(new TokenPredicate("code", [HeartRate])));
        Assert.Equal(["o2"], Ids(new NumberPredicate("value", [new NumberCondition(SearchPrefix.Eq, 38m)])));
        Assert.Equal(["o1"], Ids(new DatePredicate("date", [new DateCondition(SearchPrefix.Eq, 1_000, 1_999)])));
        _t.Vault.Commit(pending, tx);
        Assert.Equal(["o1"], Ids(new NumberPredicate("value", [new NumberCondition(SearchPrefix.Eq, 99m)])));
        Assert.Empty(Ids(new NumberPredicate("value", [new NumberCondition(SearchPrefix.Eq, 72m)])));
        Assert.Equal(1L, _t.RawScalar<long>("SELECT count(*) FROM number_index WHERE resource_id = (SELECT id FROM resources WHERE logical_id = 'o1')"));
        _t.Put("Observation", "o3", 1, "p1", "{}", Entries(5m));
        Assert.Equal(["o1", "o2", "o3"], Ids(new TokenPredicate("code", [HeartRate])));
    }

    [Fact]
    public void A_vault_of_a_later_schema_is_refused_and_left_as_it_is()
    {
        _t.Put("Observation", "o1", 1, "p1", "{}", Entries(72m));
        _t.Vault.Dispose();
        _t.RawExecute("UPDATE schema_version SET version = 3");

        var error = Assert.Throws<NotSupportedException>(() => Vault.Open(_t.Options));

        Assert.Contains("3", error.Message, StringComparison.Ordinal);
        Assert.Equal(3L, _t.RawScalar<long>("SELECT version FROM schema_version"));
        _t.RawExecute("UPDATE schema_version SET version = 2");
        _t.Reopen();
        Assert.Equal(["o1"], Ids(new TokenPredicate("code", [HeartRate])));
    }

    public void Dispose()
    {
        _t.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Each index entry twice, as a resource with the same coding twice gives them.</summary>
    private static IndexEntry[] Entries(decimal value) =>
    [
        IndexEntry.ForToken("code", HeartRate),
        IndexEntry.ForToken("code", HeartRate),
        IndexEntry.ForNumber("value", value),
        IndexEntry.ForNumber("value", value),
        IndexEntry.ForDate("date", 1_000, 1_999),
        IndexEntry.ForDate("date", 1_000, 1_999),
    ];

    private string[] Ids(SearchPredicate predicate) =>
        [.. _t.Vault.Query(new VaultQuery("Observation") { Predicates = [predicate] }).Records.Select(r => r.Id)];

    /// <summary>The search tables rebuilt as schema 1 made them, with every row, each once more as schema 1 allowed.</summary>
    private string DowngradeToSchema1() => $"""
        CREATE TABLE saved_token AS SELECT resource_id, resource_type, param, kind, token FROM token_index;
        CREATE TABLE saved_number AS SELECT resource_id, resource_type, param, value FROM number_index;
        CREATE TABLE saved_date AS SELECT resource_id, resource_type, param, start_ms, end_ms FROM date_index;
        DROP TABLE token_index;
        DROP TABLE number_index;
        DROP TABLE date_index;
        {(_store == StoreKind.Sqlite ? VaultSchema.IndexTablesSqliteV1 : VaultSchema.IndexTablesPostgresV1)}
        INSERT INTO token_index SELECT * FROM saved_token;
        INSERT INTO token_index SELECT * FROM saved_token;
        INSERT INTO number_index SELECT * FROM saved_number;
        INSERT INTO number_index SELECT * FROM saved_number;
        INSERT INTO date_index SELECT * FROM saved_date;
        INSERT INTO date_index SELECT * FROM saved_date;
        DROP TABLE saved_token;
        DROP TABLE saved_number;
        DROP TABLE saved_date;
        UPDATE schema_version SET version = 1;
        """;
}
