using CareLedger.Testing;
using CareLedger.Vault.Tests.Support;

namespace CareLedger.Vault.Tests;

/// <summary><see cref="Vault.PseudonymsFor"/>: several compartments in one transaction, on SQLite and on PostgreSQL.</summary>
public abstract class VaultPseudonymsTests(StoreKind store) : IDisposable
{
    private readonly TestVault _t = new(store);

    public sealed class OnSqlite() : VaultPseudonymsTests(StoreKind.Sqlite)
    {
    }

    public sealed class OnPostgres() : VaultPseudonymsTests(StoreKind.Postgres)
    {
    }

    [Fact]
    public void Creates_the_missing_compartments_keeps_the_existing_ones_and_answers_in_order()
    {
        var existing = _t.Vault.PseudonymFor("pt-a");

        var answered = _t.Vault.PseudonymsFor(["pt-b", "pt-a", "pt-c", "pt-b"]);

        Assert.Equal(4, answered.Count);
        Assert.Equal(existing, answered[1]);
        Assert.Equal(answered[0], answered[3]);
        Assert.Equal(_t.Vault.TryGetPseudonym("pt-b"), answered[0]);
        Assert.Equal(_t.Vault.TryGetPseudonym("pt-c"), answered[2]);
        Assert.Equal(3, answered.Select(Convert.ToHexString).Distinct().Count());
    }

    [Fact]
    public void An_invalid_patient_id_creates_none_of_them()
    {
        Assert.Throws<ArgumentException>(() => _t.Vault.PseudonymsFor(["pt-d", " "]));

        Assert.Null(_t.Vault.TryGetPseudonym("pt-d"));
    }

    public void Dispose()
    {
        _t.Dispose();
        GC.SuppressFinalize(this);
    }
}
