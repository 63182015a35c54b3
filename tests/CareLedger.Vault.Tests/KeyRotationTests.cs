using CareLedger.Testing;
using CareLedger.Vault.Tests.Support;

namespace CareLedger.Vault.Tests;

/// <summary>Runs on SQLite and on PostgreSQL (docs/adr/0006): the same vault over either store.</summary>
public abstract class KeyRotationTests : IDisposable
{
    private readonly StoreKind _store;

    private readonly TestVault _t;

    protected KeyRotationTests(StoreKind store)
    {
        _store = store;
        _t = new TestVault(store);
    }

    public sealed class OnSqlite() : KeyRotationTests(StoreKind.Sqlite)
    {
    }

    public sealed class OnPostgres() : KeyRotationTests(StoreKind.Postgres)
    {
    }

    [Fact]
    public void Records_written_before_a_rotation_stay_readable_and_new_compartments_use_the_new_key()
    {
        _t.Put("Observation", "before", 1, "p1", """{"when":"before"}""");
        _t.Keyring.Rotate();
        _t.Put("Observation", "after", 1, "p2", """{"when":"after"}""");
        _t.Reopen();

        Assert.Equal("""{"when":"before"}""", _t.ReadText("Observation", "before"));
        Assert.Equal("""{"when":"after"}""", _t.ReadText("Observation", "after"));
        Assert.Equal(new HashSet<string> { "kek-1", "kek-2" }, _t.Vault.KeyIdsInUse());
    }

    [Fact]
    public void Rewrapping_moves_every_data_key_to_the_current_kek_so_the_old_one_can_be_retired()
    {
        _t.Put("Observation", "o1", 1, "p1", """{"n":1}""");
        _t.Put("Organization", "org", 1, null, """{"n":2}""");
        _t.Keyring.Rotate();

        Assert.Equal(2, _t.Vault.RewrapDataKeys());
        Assert.Equal(0, _t.Vault.RewrapDataKeys());
        _t.Keyring.Retire("kek-1");
        _t.Reopen();

        Assert.Equal(new HashSet<string> { "kek-2" }, _t.Vault.KeyIdsInUse());
        Assert.Equal("""{"n":1}""", _t.ReadText("Observation", "o1"));
        Assert.Equal("""{"n":2}""", _t.ReadText("Organization", "org"));
    }

    [Fact]
    public void Retiring_a_kek_still_in_use_makes_its_records_unreadable_with_a_clear_error()
    {
        _t.Put("Observation", "o1", 1, "p1", "{}");
        _t.Keyring.Rotate();
        _t.Keyring.Retire("kek-1");
        _t.Reopen();

        var error = Assert.Throws<KeyNotFoundException>(() => _t.Vault.Read("Observation", "o1"));

        Assert.Contains("kek-1", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _t.Dispose();
        GC.SuppressFinalize(this);
    }
}
