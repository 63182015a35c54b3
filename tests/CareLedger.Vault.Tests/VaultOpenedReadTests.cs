using System.Text;
using CareLedger.Testing;
using CareLedger.Vault.Tests.Support;

namespace CareLedger.Vault.Tests;

/// <summary>The access layer's decrypting reads: content together with the compartment it is sealed in.</summary>
/// <summary>Runs on SQLite and on PostgreSQL (docs/adr/0006): the same vault over either store.</summary>
public abstract class VaultOpenedReadTests : IDisposable
{
    private readonly StoreKind _store;

    private readonly TestVault _t;

    protected VaultOpenedReadTests(StoreKind store)
    {
        _store = store;
        _t = new TestVault(store);
    }

    public sealed class OnSqlite() : VaultOpenedReadTests(StoreKind.Sqlite)
    {
    }

    public sealed class OnPostgres() : VaultOpenedReadTests(StoreKind.Postgres)
    {
    }

    [Fact]
    public void ReadRecord_returns_the_content_the_version_and_the_patients_pseudonym()
    {
        _t.Put("Observation", "o1", 1, "patient-a", """{"v":1}""");
        var second = _t.Put("Observation", "o1", 2, "patient-a", """{"v":2}""");

        var current = _t.Vault.ReadRecord("Observation", "o1", null)!;
        var first = _t.Vault.ReadRecord("Observation", "o1", 1)!;

        Assert.Equal("""{"v":2}""", Encoding.UTF8.GetString(current.Content!));
        Assert.Equal(new RecordAddress("Observation", "o1", 2), current.Address);
        Assert.Equal(_t.Vault.TryGetPseudonym("patient-a"), current.Patient);
        Assert.Equal(second.LastUpdatedUnixMs, current.LastUpdatedUnixMs);
        Assert.False(current.Deleted);
        Assert.Equal("""{"v":1}""", Encoding.UTF8.GetString(first.Content!));
        Assert.Equal(1, first.Address.Version);
    }

    [Fact]
    public void ReadRecord_of_an_organisation_resource_has_no_pseudonym()
    {
        _t.Put("Organization", "org1", 1, null, """{"name":"x"}""");

        var record = _t.Vault.ReadRecord("Organization", "org1", null)!;

        Assert.Null(record.Patient);
        Assert.NotNull(record.Content);
    }

    [Fact]
    public void ReadRecord_of_a_delete_says_deleted_and_keeps_the_compartment()
    {
        _t.Put("Observation", "o1", 1, "patient-a", """{"v":1}""");
        _t.Delete("Observation", "o1", 2, "patient-a");

        var record = _t.Vault.ReadRecord("Observation", "o1", null)!;

        Assert.True(record.Deleted);
        Assert.Null(record.Content);
        Assert.Equal(2, record.Address.Version);
        Assert.Equal(_t.Vault.TryGetPseudonym("patient-a"), record.Patient);
    }

    [Fact]
    public void ReadRecord_of_an_unknown_record_or_version_is_null_and_a_bad_version_is_refused()
    {
        _t.Put("Observation", "o1", 1, "patient-a", """{"v":1}""");

        Assert.Null(_t.Vault.ReadRecord("Observation", "nobody", null));
        Assert.Null(_t.Vault.ReadRecord("Observation", "o1", 2));
        Assert.Throws<ArgumentException>(() => _t.Vault.ReadRecord("Observation", "o1", 0));
        Assert.Throws<ArgumentException>(() => _t.Vault.ReadRecord("observation", "o1", null));
    }

    [Fact]
    public void ReadRecord_checks_integrity_and_says_erased_after_a_shred()
    {
        _t.Put("Observation", "o1", 1, "patient-a", """{"v":1}""");
        _t.Put("Observation", "o2", 1, "patient-b", """{"v":1}""");
        _t.Reopen(() => _t.RawExecute("UPDATE versions SET tag = zeroblob(16) WHERE resource_id = (SELECT id FROM resources WHERE logical_id = 'o2')"));
        _t.Vault.Shred("patient-a");

        Assert.Throws<RecordErasedException>(() => _t.Vault.ReadRecord("Observation", "o1", null));
        Assert.Throws<VaultTamperedException>(() => _t.Vault.ReadRecord("Observation", "o2", null));
    }

    [Fact]
    public void CurrentResourcesInCompartment_lists_the_current_versions_of_one_patient_only()
    {
        _t.Put("Patient", "patient-a", 1, "patient-a", """{"p":1}""");
        _t.Put("Consent", "c1", 1, "patient-a", """{"c":1}""");
        _t.Put("Consent", "c1", 2, "patient-a", """{"c":2}""");
        _t.Put("Consent", "c2", 1, "patient-a", """{"gone":1}""");
        _t.Delete("Consent", "c2", 2, "patient-a");
        _t.Put("Consent", "c3", 1, "patient-b", """{"other":1}""");
        _t.Put("Organization", "org1", 1, null, """{"org":1}""");
        var pending = _t.Vault.Stage([new StageRequest(new RecordAddress("Consent", "c4", 1), "patient-a", TestVault.Json("{}"), [])], TestVault.TxId(1));
        var pseudonym = _t.Vault.TryGetPseudonym("patient-a")!;

        var all = _t.Vault.CurrentResourcesInCompartment(pseudonym, null);
        var consents = _t.Vault.CurrentResourcesInCompartment(pseudonym, "Consent");

        Assert.Equal(["Consent/c1/_history/2", "Patient/patient-a/_history/1"], all.Select(r => r.Address.ToString()));
        var consent = Assert.Single(consents);
        Assert.Equal("""{"c":2}""", Encoding.UTF8.GetString(consent.Content!));
        Assert.Equal(pseudonym, consent.Patient);
        _t.Vault.Abandon(pending);
    }

    [Fact]
    public void CurrentResourcesInCompartment_of_an_unknown_pseudonym_is_empty_and_a_malformed_one_is_refused()
    {
        _t.Put("Consent", "c1", 1, "patient-a", """{"c":1}""");

        Assert.Empty(_t.Vault.CurrentResourcesInCompartment(new byte[16], null));
        Assert.Throws<ArgumentException>(() => _t.Vault.CurrentResourcesInCompartment(new byte[15], null));
        Assert.Throws<ArgumentException>(() => _t.Vault.CurrentResourcesInCompartment(new byte[16], "not a type"));
    }

    public void Dispose()
    {
        _t.Dispose();
        GC.SuppressFinalize(this);
    }
}
