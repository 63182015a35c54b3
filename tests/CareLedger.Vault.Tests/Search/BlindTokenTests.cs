using CareLedger.Testing;
using CareLedger.Vault.Search;
using CareLedger.Vault.Tests.Support;

namespace CareLedger.Vault.Tests.Search;

/// <summary>Runs on SQLite and on PostgreSQL (docs/adr/0006): the same vault over either store.</summary>
public abstract class BlindTokenTests : IDisposable
{
    private readonly StoreKind _store;

    private readonly TestVault _t;

    protected BlindTokenTests(StoreKind store)
    {
        _store = store;
        _t = new TestVault(store);
    }

    public sealed class OnSqlite() : BlindTokenTests(StoreKind.Sqlite)
    {
    }

    public sealed class OnPostgres() : BlindTokenTests(StoreKind.Postgres)
    {
    }

    [Theory]
    [InlineData("name", "quillfeather")]
    [InlineData("identifier", "urn:oid:1.2.3|mrn-884211")]
    [InlineData("birthdate", "1980-05-17")]
    [InlineData("telecom", "+44 20 7946 0000")]
    public void A_blind_token_never_equals_or_contains_the_plaintext(string parameter, string value)
    {
        var token = _t.Vault.BlindToken(parameter, value);

        Assert.NotEqual(value, token);
        Assert.DoesNotContain(value, token, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(22, token.Length);
        Assert.All(token, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' is not base64url"));
    }

    [Fact]
    public void Tokens_are_deterministic_per_keyring_and_separate_parameters()
    {
        using var other = new TestVault(_store);

        Assert.Equal(_t.Vault.BlindToken("name", "quillfeather"), _t.Vault.BlindToken("name", "quillfeather"));
        Assert.NotEqual(_t.Vault.BlindToken("name", "quillfeather"), _t.Vault.BlindToken("family", "quillfeather"));
        Assert.NotEqual(_t.Vault.BlindToken("name", "quillfeather"), _t.Vault.BlindToken("name", "quillfeathers"));
        Assert.NotEqual(_t.Vault.BlindToken("name", "quillfeather"), other.Vault.BlindToken("name", "quillfeather"));
    }

    [Fact]
    public void Tokens_survive_reopening_so_the_index_stays_searchable()
    {
        var before = _t.Vault.BlindToken("name", "quillfeather");
        _t.Put("Patient", "p1", 1, "p1", "{}", IndexEntry.ForBlindedToken("name", "quillfeather"));
        _t.Reopen();

        Assert.Equal(before, _t.Vault.BlindToken("name", "quillfeather"));
        Assert.Single(_t.Vault.Query(new VaultQuery("Patient") { Predicates = [new TokenPredicate("name", ["quillfeather"], Blinded: true)] }).Records);
    }

    [Fact]
    public void Sensitive_values_and_references_never_reach_the_database_file_in_plaintext()
    {
        _t.Put("Patient", "p1", 1, "p1", """{"name":[{"family":"Quillfeather"}],"identifier":[{"value":"mrn-884211"}]}""",
            IndexEntry.ForBlindedToken("name", "quillfeather"),
            IndexEntry.ForBlindedToken("identifier", "mrn-884211"));
        _t.Put("Observation", "o1", 1, "p1", """{"note":"Zephyrine rash"}""", IndexEntry.ForReference("subject", "Patient/p1"),
            IndexEntry.ForToken("code", "http://loinc.org|8867-4"));
        _t.Reopen();

        var bytes = _t.FileBytes();

        Assert.False(TestVault.Contains(bytes, "uillfeather"));
        Assert.False(TestVault.Contains(bytes, "mrn-884211"));
        Assert.False(TestVault.Contains(bytes, "Zephyrine"));
        Assert.False(TestVault.Contains(bytes, "Patient/p1"));
        Assert.True(TestVault.Contains(bytes, "8867-4"), "plain tokens are stored as given, which shows the scan works");
    }

    public void Dispose()
    {
        _t.Dispose();
        GC.SuppressFinalize(this);
    }
}
