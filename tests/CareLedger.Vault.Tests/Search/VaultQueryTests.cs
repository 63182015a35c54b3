using CareLedger.Testing;
using CareLedger.Vault.Search;
using CareLedger.Vault.Tests.Support;

namespace CareLedger.Vault.Tests.Search;

/// <summary>Runs on SQLite and on PostgreSQL (docs/adr/0006): the same vault over either store.</summary>
public abstract class VaultQueryTests : IDisposable
{
    private readonly StoreKind _store;

    private const string HeartRate = "http://loinc.org|8867-4";
    private readonly TestVault _t;

    public sealed class OnSqlite() : VaultQueryTests(StoreKind.Sqlite)
    {
    }

    public sealed class OnPostgres() : VaultQueryTests(StoreKind.Postgres)
    {
    }

    protected VaultQueryTests(StoreKind store)
    {
        _store = store;
        _t = new TestVault(store);
        Observation("o1", "p1", HeartRate, "final", 72m, Day(2026, 1, 10), DayEnd(2026, 1, 10));
        Observation("o2", "p1", "http://loinc.org|8310-5", "preliminary", 37.5m, Day(2026, 1, 11), DayEnd(2026, 1, 11));
        Observation("o3", "p2", HeartRate, "final", 100m, Day(2026, 2, 1), DayEnd(2026, 2, 1));
        Observation("o4", "p3", HeartRate, "amended", 99.6m, Day(2026, 1, 1), DayEnd(2026, 3, 1));
        Observation("o5", "p2", "http://loinc.org|2093-3", "cancelled", null, null, null);
    }

    public static TheoryData<SearchPrefix, string, string[]> NumberCases => new()
    {
        { SearchPrefix.Eq, "100", ["o3", "o4"] },
        { SearchPrefix.Eq, "100.0", ["o3"] },
        { SearchPrefix.Ne, "100.0", ["o1", "o2", "o4"] },
        { SearchPrefix.Gt, "72", ["o3", "o4"] },
        { SearchPrefix.Lt, "72", ["o2"] },
        { SearchPrefix.Ge, "72", ["o1", "o3", "o4"] },
        { SearchPrefix.Le, "72", ["o1", "o2"] },
        { SearchPrefix.Sa, "99.6", ["o3"] },
        { SearchPrefix.Eb, "72", ["o2"] },
        { SearchPrefix.Ap, "100", ["o3", "o4"] },
    };

    [Theory]
    [MemberData(nameof(NumberCases))]
    public void Number_prefixes_follow_fhir(SearchPrefix prefix, string value, string[] expected)
    {
        var number = decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(expected, Ids(new VaultQuery("Observation") { Predicates = [new NumberPredicate("value", [new NumberCondition(prefix, number)])] }));
    }

    public static TheoryData<SearchPrefix, string[]> DateCasesForJanuary => new()
    {
        { SearchPrefix.Eq, ["o1", "o2"] },
        { SearchPrefix.Ne, ["o3", "o4"] },
        { SearchPrefix.Gt, ["o3", "o4"] },
        { SearchPrefix.Lt, [] },
        { SearchPrefix.Ge, ["o1", "o2", "o3", "o4"] },
        { SearchPrefix.Le, ["o1", "o2"] },
        { SearchPrefix.Sa, ["o3"] },
        { SearchPrefix.Eb, [] },
        { SearchPrefix.Ap, ["o1", "o2", "o4"] },
    };

    [Theory]
    [MemberData(nameof(DateCasesForJanuary))]
    public void Date_prefixes_follow_fhir_r4_range_semantics(SearchPrefix prefix, string[] expected)
    {
        var january = new DateCondition(prefix, Day(2026, 1, 1), DayEnd(2026, 1, 31));

        Assert.Equal(expected, Ids(new VaultQuery("Observation") { Predicates = [new DatePredicate("date", [january])] }));
    }

    [Fact]
    public void A_period_starting_before_the_search_range_is_less_than_it()
    {
        var mid = new DateCondition(SearchPrefix.Lt, Day(2026, 1, 5), DayEnd(2026, 1, 5));

        Assert.Equal(["o4"], Ids(new VaultQuery("Observation") { Predicates = [new DatePredicate("date", [mid])] }));
    }

    [Fact]
    public void Values_within_a_predicate_or_together_and_predicates_and_together()
    {
        Assert.Equal(["o1", "o3", "o4"], Ids(Where(new TokenPredicate("code", [HeartRate]))));
        Assert.Equal(["o1", "o3", "o4"], Ids(Where(new TokenPredicate("status", ["final", "amended"]))));
        Assert.Equal(["o1", "o3"], Ids(Where(new TokenPredicate("code", [HeartRate]), new TokenPredicate("status", ["final"]))));
        Assert.Equal(["o1", "o2", "o3"], Ids(Where(
            new DatePredicate("date", [new DateCondition(SearchPrefix.Eq, Day(2026, 1, 10), DayEnd(2026, 1, 11)), new DateCondition(SearchPrefix.Eq, Day(2026, 2, 1), DayEnd(2026, 2, 1))]))));
    }

    [Fact]
    public void Negated_tokens_match_resources_without_the_token()
    {
        Assert.Equal(["o2", "o4", "o5"], Ids(Where(new TokenPredicate("status", ["final"]) { Negated = true })));
    }

    [Fact]
    public void References_match_exact_targets()
    {
        Assert.Equal(["o1", "o2"], Ids(Where(new ReferencePredicate("subject", ["Patient/p1"]))));
        Assert.Equal(["o1", "o2", "o3", "o5"], Ids(Where(new ReferencePredicate("subject", ["Patient/p1", "Patient/p2"]))));
        Assert.Empty(Ids(Where(new ReferencePredicate("subject", ["p1"]))));
    }

    [Fact]
    public void Missing_matches_resources_with_or_without_a_value()
    {
        Assert.Equal(["o5"], Ids(Where(new MissingPredicate("value", IndexKind.Number, Missing: true))));
        Assert.Equal(["o1", "o2", "o3", "o4"], Ids(Where(new MissingPredicate("date", IndexKind.Date, Missing: false))));
        Assert.Equal(["o1", "o2", "o3", "o4", "o5"], Ids(Where(new MissingPredicate("subject", IndexKind.Reference, Missing: false))));
    }

    [Fact]
    public void Blinded_tokens_match_only_through_the_blinded_predicate()
    {
        PatientWithName("p1", "quillfeather");
        PatientWithName("p2", "brackenridge");
        PatientWithName("p3", "quillfeather");

        Assert.Equal(["p1", "p3"], Ids(new VaultQuery("Patient") { Predicates = [new TokenPredicate("name", ["quillfeather"], Blinded: true)] }));
        Assert.Empty(Ids(new VaultQuery("Patient") { Predicates = [new TokenPredicate("name", ["quillfeather"])] }));
        Assert.Empty(Ids(new VaultQuery("Patient") { Predicates = [new TokenPredicate("family", ["quillfeather"], Blinded: true)] }));
    }

    [Fact]
    public void The_patient_compartment_restricts_results_and_heads_carry_the_pseudonym()
    {
        var result = _t.Vault.Query(new VaultQuery("Observation") { PatientId = "p1", IncludeTotal = true });

        Assert.Equal(["o1", "o2"], result.Records.Select(r => r.Id));
        Assert.Equal(2, result.Total);
        Assert.All(result.Records, r => Assert.Equal(_t.Vault.PseudonymFor("p1"), r.Patient));
        Assert.Equal(0, _t.Vault.Query(new VaultQuery("Observation") { PatientId = "nobody", IncludeTotal = true }).Total);
        Assert.Null(_t.Vault.TryGetPseudonym("nobody"));
    }

    [Fact]
    public void Id_and_last_updated_filters_apply()
    {
        var o3Updated = _t.Vault.History("Observation", "o3")[0].LastUpdatedUnixMs;

        Assert.Equal(["o1", "o3"], Ids(new VaultQuery("Observation") { Ids = ["o1", "o3", "zz"] }));
        Assert.Equal(["o3", "o4", "o5"], Ids(new VaultQuery("Observation") { LastUpdated = [new DateCondition(SearchPrefix.Ge, o3Updated, o3Updated)] }));
        Assert.Equal(["o3"], Ids(new VaultQuery("Observation") { LastUpdated = [new DateCondition(SearchPrefix.Eq, o3Updated, o3Updated + 999)] }));
    }

    [Fact]
    public void Results_sort_by_last_updated_id_and_parameters_with_missing_values_last()
    {
        Assert.Equal(["o5", "o4", "o3", "o2", "o1"], Ids(Sorted(VaultSort.ByLastUpdated(descending: true))));
        Assert.Equal(["o5", "o4", "o3", "o2", "o1"], Ids(Sorted(VaultSort.ById(descending: true))));
        Assert.Equal(["o4", "o1", "o2", "o3", "o5"], Ids(Sorted(VaultSort.ByParameter("date", IndexKind.Date))));
        Assert.Equal(["o4", "o3", "o2", "o1", "o5"], Ids(Sorted(VaultSort.ByParameter("date", IndexKind.Date, descending: true))));
        Assert.Equal(["o2", "o1", "o4", "o3", "o5"], Ids(Sorted(VaultSort.ByParameter("value", IndexKind.Number))));
        Assert.Equal(["o4", "o5", "o1", "o3", "o2"], Ids(Sorted(VaultSort.ByParameter("status", IndexKind.Token), VaultSort.ById())));
    }

    [Fact]
    public void Paging_skips_and_takes_and_the_total_counts_every_match()
    {
        var page = _t.Vault.Query(new VaultQuery("Observation") { Sort = [VaultSort.ById()], Skip = 1, Take = 2, IncludeTotal = true });
        var countOnly = _t.Vault.Query(new VaultQuery("Observation") { Take = 0, IncludeTotal = true });

        Assert.Equal(["o2", "o3"], page.Records.Select(r => r.Id));
        Assert.Equal(5, page.Total);
        Assert.Empty(countOnly.Records);
        Assert.Equal(5, countOnly.Total);
        Assert.Null(_t.Vault.Query(new VaultQuery("Observation")).Total);
    }

    [Fact]
    public void Keyset_pages_after_an_id_miss_nothing_and_repeat_nothing_when_records_change_between_pages()
    {
        VaultQuery After(string? id) => new("Observation") { Sort = [VaultSort.ById()], AfterId = id, Take = 2 };

        var first = Ids(After(null));
        // Between pages: a record before the cursor is deleted and one after it written (an offset would skip o3).
        _t.Delete("Observation", "o1", 2, "p1");
        Observation("o6", "p3", HeartRate, "final", 80m, null, null);
        var second = Ids(After(first[^1]));
        var third = Ids(After(second[^1]));

        Assert.Equal(["o1", "o2"], first);
        Assert.Equal(["o3", "o4"], second);
        Assert.Equal(["o5", "o6"], third);
        Assert.Empty(Ids(After(third[^1])));
    }

    [Fact]
    public void Only_the_current_version_is_indexed_and_deleted_resources_are_not_found()
    {
        _t.Put("Observation", "o1", 2, "p1", "{}", IndexEntry.ForToken("status", "entered-in-error"));
        _t.Delete("Observation", "o3", 2, "p2");

        Assert.Empty(Ids(Where(new TokenPredicate("status", ["final"]))));
        Assert.Equal(["o1"], Ids(Where(new TokenPredicate("status", ["entered-in-error"]))));
        Assert.Equal(["o4"], Ids(Where(new TokenPredicate("code", [HeartRate]))));
        var head = Assert.Single(_t.Vault.Query(new VaultQuery("Observation") { Ids = ["o1"] }).Records);
        Assert.Equal(2, head.Version);
        Assert.Equal(_t.Vault.History("Observation", "o1")[0].LastUpdatedUnixMs, head.LastUpdatedUnixMs);
        Assert.Equal(0, _t.RawScalar<long>("SELECT count(*) FROM token_index WHERE resource_id = (SELECT id FROM resources WHERE logical_id = 'o3')"));
    }

    [Fact]
    public void Other_resource_types_are_not_searched()
    {
        _t.Put("Condition", "c1", 1, "p1", "{}", IndexEntry.ForToken("code", HeartRate));

        Assert.Equal(["c1"], Ids(new VaultQuery("Condition") { Predicates = [new TokenPredicate("code", [HeartRate])] }));
        Assert.DoesNotContain("c1", Ids(Where(new TokenPredicate("code", [HeartRate]))));
    }

    public static TheoryData<string, VaultQuery> BadQueries => new()
    {
        { "lower-case type", new VaultQuery("observation") },
        { "negative skip", new VaultQuery("Observation") { Skip = -1 } },
        { "no token values", new VaultQuery("Observation") { Predicates = [new TokenPredicate("code", [])] } },
        { "empty token value", new VaultQuery("Observation") { Predicates = [new TokenPredicate("code", [""])] } },
        { "bad parameter", new VaultQuery("Observation") { Predicates = [new TokenPredicate("co'de", ["x"])] } },
        { "inverted date range", new VaultQuery("Observation") { Predicates = [new DatePredicate("date", [new DateCondition(SearchPrefix.Eq, 5, 1)])] } },
        { "bad id", new VaultQuery("Observation") { Ids = ["a b"] } },
        { "after an id without sorting by id", new VaultQuery("Observation") { AfterId = "o1" } },
        { "after an id, sorted descending", new VaultQuery("Observation") { AfterId = "o1", Sort = [VaultSort.ById(descending: true)] } },
        { "after a bad id", new VaultQuery("Observation") { AfterId = "a b", Sort = [VaultSort.ById()] } },
        { "sort by a blinded token", new VaultQuery("Observation") { Sort = [VaultSort.ByParameter("name", IndexKind.BlindedToken)] } },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public void Bad_queries_are_refused_with_a_reason(string why, VaultQuery query)
    {
        var error = Assert.Throws<ArgumentException>(() => _t.Vault.Query(query));

        Assert.False(string.IsNullOrWhiteSpace(error.Message), why);
    }

    public void Dispose()
    {
        _t.Dispose();
        GC.SuppressFinalize(this);
    }

    private static long Day(int year, int month, int day) => new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static long DayEnd(int year, int month, int day) => Day(year, month, day) + 86_400_000 - 1;

    private static VaultQuery Where(params SearchPredicate[] predicates) => new("Observation") { Predicates = predicates };

    private static VaultQuery Sorted(params VaultSort[] sort) => new("Observation") { Sort = sort };

    /// <summary>Ids in result order when the query sorts, else in id order (unsorted order is unspecified).</summary>
    private List<string> Ids(VaultQuery query)
    {
        var ids = _t.Vault.Query(query).Records.Select(r => r.Id).ToList();
        return query.Sort.Count == 0 ? [.. ids.Order(StringComparer.Ordinal)] : ids;
    }

    private void Observation(string id, string patient, string code, string status, decimal? value, long? start, long? end)
    {
        var index = new List<IndexEntry>
        {
            IndexEntry.ForToken("code", code),
            IndexEntry.ForToken("status", status),
            IndexEntry.ForReference("subject", $"Patient/{patient}"),
        };
        if (value is { } v)
        {
            index.Add(IndexEntry.ForNumber("value", v));
        }

        if (start is not null)
        {
            index.Add(IndexEntry.ForDate("date", start, end));
        }

        _t.Put("Observation", id, 1, patient, "{}", [.. index]);
    }

    private void PatientWithName(string id, string family) =>
        _t.Put("Patient", id, 1, id, "{}", IndexEntry.ForBlindedToken("name", family), IndexEntry.ForToken("gender", "unknown"));
}
