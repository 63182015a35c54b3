using CareLedger.Testing;
using CareLedger.Vault.Search;
using CareLedger.Vault.Tests.Support;

namespace CareLedger.Vault.Tests;

/// <summary>Runs on SQLite and on PostgreSQL (docs/adr/0006): the same vault over either store.</summary>
public abstract class VaultShredTests : IDisposable
{
    private readonly StoreKind _store;

    private const string PatientId = "pt-4471c9";
    private const string Family = "Quillfeather";
    private const string Distinctive = "Zephyrine-77 blistering rash";
    private readonly TestVault _t;

    public sealed class OnSqlite() : VaultShredTests(StoreKind.Sqlite)
    {
    }

    public sealed class OnPostgres() : VaultShredTests(StoreKind.Postgres)
    {
    }

    protected VaultShredTests(StoreKind store)
    {
        _store = store;
        _t = new TestVault(store);
        _t.Put("Patient", PatientId, 1, PatientId, $$"""{"resourceType":"Patient","id":"{{PatientId}}","name":[{"family":"{{Family}}"}]}""",
            IndexEntry.ForBlindedToken("name", Family.ToLowerInvariant()), IndexEntry.ForToken("gender", "female"));
        _t.Put("Patient", PatientId, 2, PatientId, $$"""{"resourceType":"Patient","id":"{{PatientId}}","name":[{"family":"{{Family}}"}],"active":true}""",
            IndexEntry.ForBlindedToken("name", Family.ToLowerInvariant()));
        _t.Put("Observation", "obs-1", 1, PatientId, $$"""{"note":"{{Distinctive}}"}""", IndexEntry.ForReference("subject", $"Patient/{PatientId}"));
        _t.Put("Observation", "obs-2", 1, "pt-other", """{"note":"keep me"}""", IndexEntry.ForReference("subject", "Patient/pt-other"));
        _t.Put("Group", "g1", 1, null, "{}", IndexEntry.ForReference("member", $"Patient/{PatientId}"));
    }

    [Fact]
    public void Shredding_leaves_no_trace_of_the_patient_in_the_database_or_its_wal()
    {
        var pseudonym = _t.Vault.PseudonymFor(PatientId);
        var wrappedKey = _t.RawScalar<byte[]>("SELECT wrapped_dek FROM compartments WHERE pseudonym = @p", ("@p", pseudonym));
        var ciphertext = _t.RawScalar<byte[]>("SELECT ciphertext FROM versions WHERE resource_id = (SELECT id FROM resources WHERE logical_id = 'obs-1')");
        var before = _t.FileBytes();
        Assert.True(TestVault.Contains(before, PatientId), "the resource id is stored in the clear until shredded, which shows the scan works");
        Assert.True(before.AsSpan().IndexOf(wrappedKey) >= 0);

        var report = _t.Vault.Shred(PatientId);

        Assert.Equal(pseudonym, report.Pseudonym);
        Assert.Equal((3, 2), (report.VersionsDestroyed, report.ResourcesDestroyed));
        Assert.Equal(_store == StoreKind.Sqlite, report.WriteAheadLogTruncated);
        foreach (var bytes in new[] { _t.FileBytes(), ReopenedFileBytes() })
        {
            Assert.False(TestVault.Contains(bytes, PatientId));
            Assert.False(TestVault.Contains(bytes, Family));
            Assert.False(TestVault.Contains(bytes, "Zephyrine"));
            Assert.True(bytes.AsSpan().IndexOf(wrappedKey) < 0, "the wrapped data key is gone, so it can never be unwrapped again");
            Assert.True(bytes.AsSpan().IndexOf(ciphertext) < 0);
            Assert.True(bytes.AsSpan().IndexOf(pseudonym) < 0);
        }
    }

    [Fact]
    public void After_shredding_reads_say_erased_and_the_patient_gets_a_new_pseudonym()
    {
        var old = _t.Vault.PseudonymFor(PatientId);

        _t.Vault.Shred(PatientId);

        var error = Assert.Throws<RecordErasedException>(() => _t.Vault.Read("Patient", PatientId));
        Assert.Equal(("Patient", PatientId), (error.ResourceType, error.Id));
        Assert.Throws<RecordErasedException>(() => _t.Vault.Read(new RecordAddress("Observation", "obs-1", 1)));
        Assert.Throws<RecordErasedException>(() => _t.Vault.History("Observation", "obs-1"));
        Assert.Throws<RecordErasedException>(() => _t.Vault.VerifyCommitment(new RecordAddress("Observation", "obs-1", 1), new byte[32]));
        Assert.Empty(_t.Vault.Query(new VaultQuery("Patient")).Records);
        Assert.Empty(_t.Vault.Query(new VaultQuery("Observation") { Predicates = [new ReferencePredicate("subject", [$"Patient/{PatientId}"])] }).Records);
        Assert.Null(_t.Vault.TryGetPseudonym(PatientId));
        var fresh = _t.Vault.PseudonymFor(PatientId);
        Assert.NotEqual(old, fresh);
        Assert.Equal(fresh, _t.Vault.PseudonymFor(PatientId));
    }

    [Fact]
    public void Histories_read_together_say_what_each_history_says_and_null_where_it_says_erased()
    {
        _t.Put("Observation", "kept-1", 1, null, "{}");
        _t.Put("Observation", "kept-1", 2, null, """{"a":1}""");
        _t.Vault.Shred(PatientId);
        (string, string)[] records = [("Observation", "kept-1"), ("Observation", "obs-1"), ("Observation", "never"), ("Patient", PatientId)];

        var histories = _t.Vault.Histories(records);

        Assert.Equal(records.Length, histories.Count);
        Assert.Equal(_t.Vault.History("Observation", "kept-1").Select(v => (v.Version, v.Deleted, v.LastUpdatedUnixMs)),
            histories[0]!.Select(v => (v.Version, v.Deleted, v.LastUpdatedUnixMs)));
        Assert.Equal([2, 1], histories[0]!.Select(v => v.Version));
        Assert.Null(histories[1]);
        Assert.Empty(histories[2]!);
        Assert.Null(histories[3]);
        Assert.Empty(_t.Vault.Histories([]));
        Assert.Throws<ArgumentException>(() => _t.Vault.Histories([("Observation", "no/slash")]));
    }

    [Fact]
    public void An_erased_resource_id_cannot_be_written_again()
    {
        _t.Vault.Shred(PatientId);

        Assert.Throws<RecordErasedException>(() =>
            _t.Vault.Stage([new StageRequest(new RecordAddress("Observation", "obs-1", 1), PatientId, TestVault.Json("{}"), [])], TestVault.TxId(1)));
    }

    [Fact]
    public void Other_patients_and_organisation_resources_are_untouched()
    {
        var otherPseudonym = _t.Vault.PseudonymFor("pt-other");

        _t.Vault.Shred(PatientId);
        _t.Reopen();

        Assert.Equal("""{"note":"keep me"}""", _t.ReadText("Observation", "obs-2"));
        Assert.Equal("{}", _t.ReadText("Group", "g1"));
        Assert.Equal(otherPseudonym, _t.Vault.PseudonymFor("pt-other"));
        Assert.Single(_t.Vault.Query(new VaultQuery("Observation") { Predicates = [new ReferencePredicate("subject", ["Patient/pt-other"])] }).Records);
    }

    [Fact]
    public void A_write_in_flight_for_the_patient_is_destroyed_too()
    {
        var staged = _t.Vault.Stage([new StageRequest(new RecordAddress("Observation", "obs-3", 1), PatientId, TestVault.Json("{}"), [])], TestVault.TxId(1));

        var report = _t.Vault.Shred(PatientId);

        Assert.Equal(4, report.VersionsDestroyed);
        Assert.Throws<InvalidOperationException>(() => _t.Vault.Commit(staged, TestVault.TxId(1)));
        Assert.Equal(0, _t.Vault.RecoverPending(_ => true));
    }

    [Fact]
    public void Shredding_an_unknown_patient_is_refused_and_changes_nothing()
    {
        var pseudonym = _t.Vault.PseudonymFor(PatientId);

        var error = Assert.Throws<KeyNotFoundException>(() => _t.Vault.Shred("pt-unknown"));

        Assert.DoesNotContain("pt-unknown", error.Message, StringComparison.Ordinal);
        Assert.Equal(pseudonym, _t.Vault.PseudonymFor(PatientId));
        Assert.NotNull(_t.Vault.Read("Patient", PatientId));
        Assert.Null(_t.Vault.TryGetPseudonym("pt-unknown"));
    }

    [Fact]
    public void Shredding_by_pseudonym_finishes_an_erasure_whose_tombstone_came_first()
    {
        var pseudonym = _t.Vault.PseudonymFor(PatientId);
        var other = _t.Vault.PseudonymFor("pt-other");
        Assert.Contains(_t.Vault.PatientPseudonyms(), p => p.AsSpan().SequenceEqual(pseudonym));

        var report = _t.Vault.ShredPseudonym(pseudonym);

        Assert.Equal(pseudonym, report.Pseudonym);
        Assert.Equal((3, 2), (report.VersionsDestroyed, report.ResourcesDestroyed));
        Assert.Throws<RecordErasedException>(() => _t.Vault.Read("Patient", PatientId));
        Assert.False(TestVault.Contains(_t.FileBytes(), Family));
        var remaining = _t.Vault.PatientPseudonyms();
        Assert.DoesNotContain(remaining, p => p.AsSpan().SequenceEqual(pseudonym));
        Assert.Contains(remaining, p => p.AsSpan().SequenceEqual(other));
        Assert.Throws<KeyNotFoundException>(() => _t.Vault.ShredPseudonym(pseudonym));
    }

    public void Dispose()
    {
        _t.Dispose();
        GC.SuppressFinalize(this);
    }

    private byte[] ReopenedFileBytes()
    {
        _t.Reopen();
        return _t.FileBytes();
    }
}
