using System.Security.Cryptography;
using System.Text;
using CareLedger.Testing;
using CareLedger.Vault.Search;
using CareLedger.Vault.Tests.Support;

namespace CareLedger.Vault.Tests;

/// <summary>Runs on SQLite and on PostgreSQL (docs/adr/0006): the same vault over either store.</summary>
public abstract class VaultRoundTripTests : IDisposable
{
    private readonly StoreKind _store;

    private readonly TestVault _t;

    protected VaultRoundTripTests(StoreKind store)
    {
        _store = store;
        _t = new TestVault(store);
    }

    public sealed class OnSqlite() : VaultRoundTripTests(StoreKind.Sqlite)
    {
    }

    public sealed class OnPostgres() : VaultRoundTripTests(StoreKind.Postgres)
    {
    }

    [Fact]
    public void A_committed_resource_reads_back_byte_for_byte()
    {
        const string json = """{"resourceType":"Patient","id":"p1","name":[{"family":"Quillfeather"}]}""";
        _t.Put("Patient", "p1", 1, "p1", json);

        Assert.Equal(json, _t.ReadText("Patient", "p1"));
        Assert.Equal(json, Encoding.UTF8.GetString(_t.Vault.Read(new RecordAddress("Patient", "p1", 1))!));
    }

    [Fact]
    public void Read_returns_the_latest_version_and_each_version_stays_readable()
    {
        _t.Put("Observation", "o1", 1, "p1", """{"v":1}""");
        _t.Put("Observation", "o1", 2, "p1", """{"v":2}""");

        Assert.Equal("""{"v":2}""", _t.ReadText("Observation", "o1"));
        Assert.Equal("""{"v":1}"""u8.ToArray(), _t.Vault.Read(new RecordAddress("Observation", "o1", 1)));
        Assert.Null(_t.Vault.Read(new RecordAddress("Observation", "o1", 3)));
    }

    [Fact]
    public void A_delete_hides_the_resource_but_history_keeps_every_version()
    {
        _t.Put("Observation", "o1", 1, "p1", """{"v":1}""");
        var deleted = _t.Delete("Observation", "o1", 2, "p1");

        Assert.Null(_t.Vault.Read("Observation", "o1"));
        Assert.Null(_t.Vault.Read(new RecordAddress("Observation", "o1", 2)));
        var history = _t.Vault.History("Observation", "o1");
        Assert.Equal([(2, true), (1, false)], history.Select(h => (h.Version, h.Deleted)));
        Assert.Equal(deleted.Commitment, history[0].Commitment);
        Assert.True(_t.Vault.VerifyCommitment(deleted.Address, deleted.Commitment));
    }

    [Fact]
    public void A_deleted_resource_can_be_written_again_as_its_next_version()
    {
        _t.Put("Observation", "o1", 1, null, """{"v":1}""");
        _t.Delete("Observation", "o1", 2, null);
        _t.Put("Observation", "o1", 3, null, """{"v":3}""");

        Assert.Equal("""{"v":3}""", _t.ReadText("Observation", "o1"));
    }

    [Fact]
    public void Unknown_resources_read_as_null_with_empty_history()
    {
        Assert.Null(_t.Vault.Read("Patient", "nobody"));
        Assert.Empty(_t.Vault.History("Patient", "nobody"));
        Assert.False(_t.Vault.VerifyCommitment(new RecordAddress("Patient", "nobody", 1), new byte[32]));
    }

    [Fact]
    public void History_records_the_ledger_transaction_and_last_updated_of_each_version()
    {
        var tx = TestVault.TxId(7);
        var when = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var staged = _t.Vault.Stage([new StageRequest(new RecordAddress("Patient", "p1", 1), "p1", TestVault.Json("{}"), []) { LastUpdated = when }], tx);
        _t.Vault.Commit(staged, tx);

        var version = Assert.Single(_t.Vault.History("Patient", "p1"));

        Assert.Equal(tx, version.TxId);
        Assert.Equal(when.ToUnixTimeMilliseconds(), version.LastUpdatedUnixMs);
        Assert.Equal(when.ToUnixTimeMilliseconds(), staged[0].LastUpdatedUnixMs);
    }

    [Fact]
    public void The_commitment_is_salted_sha256_and_verifies_only_for_its_own_version()
    {
        var first = _t.Put("Observation", "o1", 1, "p1", """{"v":1}""");
        var second = _t.Put("Observation", "o1", 2, "p1", """{"v":1}""");

        Assert.NotEqual(SHA256.HashData("""{"v":1}"""u8), first.Commitment);
        Assert.NotEqual(first.Commitment, second.Commitment);
        Assert.True(_t.Vault.VerifyCommitment(first.Address, first.Commitment));
        Assert.False(_t.Vault.VerifyCommitment(first.Address, second.Commitment));
        Assert.False(_t.Vault.VerifyCommitment(first.Address, first.Commitment.AsSpan(0, 16)));
    }

    [Fact]
    public void Pseudonyms_are_random_stable_and_survive_reopening()
    {
        var first = _t.Vault.PseudonymFor("patient-a");
        var again = _t.Vault.PseudonymFor("patient-a");
        var other = _t.Vault.PseudonymFor("patient-b");
        _t.Reopen();

        Assert.Equal(16, first.Length);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Equal(first, _t.Vault.PseudonymFor("patient-a"));
        Assert.Equal(first, _t.Vault.TryGetPseudonym("patient-a"));
        Assert.Null(_t.Vault.TryGetPseudonym("patient-c"));
    }

    [Fact]
    public void Staged_records_carry_the_patient_pseudonym_or_none_for_organisation_resources()
    {
        var observation = _t.Put("Observation", "o1", 1, "patient-a", "{}");
        var organization = _t.Put("Organization", "org1", 1, null, "{}");

        Assert.Equal(_t.Vault.PseudonymFor("patient-a"), observation.Patient);
        Assert.Null(organization.Patient);
        Assert.Equal("{}", _t.ReadText("Organization", "org1"));
    }

    [Fact]
    public void Record_refs_are_keyed_hashes_stable_per_resource_and_distinct_between_resources()
    {
        var staged = _t.Put("Observation", "o1", 1, null, "{}");

        Assert.Equal(32, staged.RecordRef.Length);
        Assert.Equal(staged.RecordRef, _t.Vault.RecordRef("Observation", "o1"));
        Assert.NotEqual(staged.RecordRef, _t.Vault.RecordRef("Observation", "o2"));
        Assert.NotEqual(SHA256.HashData("Observation/o1"u8), staged.RecordRef);
        // The definition, unchanged by the context kept per thread: HMAC-SHA256(the keyring's record-reference secret, "type/id").
        Assert.Equal(HMACSHA256.HashData(_t.Keyring.GetSecret(CareLedger.Vault.Keys.VaultSecretPurpose.RecordReference), "Observation/o1"u8), staged.RecordRef);
        using var otherVault = new TestVault(_store);
        Assert.NotEqual(staged.RecordRef, otherVault.Vault.RecordRef("Observation", "o1"));
    }

    [Fact]
    public void Reads_run_in_parallel_with_writes()
    {
        for (var i = 1; i <= 20; i++)
        {
            _t.Put("Observation", $"o{i}", 1, $"p{i % 3}", $$"""{"n":{{i}}}""");
        }

        var results = new string?[20];
        Parallel.For(0, 40, i =>
        {
            if (i < 20)
            {
                results[i] = _t.ReadText("Observation", $"o{i + 1}");
            }
            else
            {
                var tx = Guid.NewGuid().ToByteArray();
                var staged = _t.Vault.Stage([new StageRequest(new RecordAddress("Encounter", $"e{i}", 1), "p1", TestVault.Json("{}"), [])], tx);
                _t.Vault.Commit(staged, tx);
            }
        });

        Assert.Equal(Enumerable.Range(1, 20).Select(i => $$"""{"n":{{i}}}"""), results);
        Assert.Equal(20, _t.Vault.Query(new VaultQuery("Encounter") { IncludeTotal = true, Take = 0 }).Total);
    }

    public void Dispose()
    {
        _t.Dispose();
        GC.SuppressFinalize(this);
    }
}
