using CareLedger.Testing;
using CareLedger.Vault.Tests.Support;

namespace CareLedger.Vault.Tests;

/// <summary>Runs on SQLite and on PostgreSQL (docs/adr/0006): the same vault over either store.</summary>
public abstract class VaultTamperTests : IDisposable
{
    private readonly StoreKind _store;

    private const string Secret = "Marrowbright-diagnosis";
    private readonly TestVault _t;

    public sealed class OnSqlite() : VaultTamperTests(StoreKind.Sqlite)
    {
    }

    public sealed class OnPostgres() : VaultTamperTests(StoreKind.Postgres)
    {
    }

    protected VaultTamperTests(StoreKind store)
    {
        _store = store;
        _t = new TestVault(store);
        _t.Put("Observation", "o1", 1, "patient-a", $$"""{"note":"{{Secret}}"}""");
        _t.Put("Observation", "o2", 1, "patient-a", """{"note":"other"}""");
        _t.Put("Observation", "o3", 1, "patient-b", """{"note":"third"}""");
    }

    [Theory]
    [InlineData("nonce")]
    [InlineData("ciphertext")]
    [InlineData("tag")]
    public void A_flipped_bit_in_a_sealed_field_is_detected_and_named_without_content(string column)
    {
        _t.Reopen(() => FlipFirstBit("versions", column, "resource_id = (SELECT id FROM resources WHERE logical_id = 'o1')"));

        var error = Assert.Throws<VaultTamperedException>(() => _t.Vault.Read("Observation", "o1"));

        Assert.Equal(new RecordAddress("Observation", "o1", 1), error.Address);
        Assert.Contains("Observation/o1/_history/1", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
        Assert.Equal("""{"note":"other"}""", _t.ReadText("Observation", "o2"));
    }

    [Theory]
    [InlineData("UPDATE versions SET last_updated_unix_ms = last_updated_unix_ms + 1 WHERE resource_id = (SELECT id FROM resources WHERE logical_id = 'o1')")]
    [InlineData("UPDATE versions SET deleted = 1 WHERE resource_id = (SELECT id FROM resources WHERE logical_id = 'o1')")]
    [InlineData("UPDATE versions SET format = 2 WHERE resource_id = (SELECT id FROM resources WHERE logical_id = 'o1')")]
    [InlineData("UPDATE versions SET version = 2 WHERE resource_id = (SELECT id FROM resources WHERE logical_id = 'o1'); UPDATE resources SET current_version = 2 WHERE logical_id = 'o1'")]
    [InlineData("UPDATE resources SET compartment_id = (SELECT compartment_id FROM resources WHERE logical_id = 'o3') WHERE logical_id = 'o1'")]
    [InlineData("UPDATE compartments SET wrapped_dek = zeroblob(61) WHERE id = (SELECT compartment_id FROM resources WHERE logical_id = 'o1')")]
    [InlineData("UPDATE compartments SET pseudonym = zeroblob(16) WHERE id = (SELECT compartment_id FROM resources WHERE logical_id = 'o1')")]
    public void An_edited_bound_field_is_detected(string sql)
    {
        _t.Reopen(() => _t.RawExecute(sql));

        var error = Assert.Throws<VaultTamperedException>(() => _t.Vault.Read("Observation", "o1"));

        Assert.Equal("Observation", error.Address.ResourceType);
        Assert.Equal("o1", error.Address.Id);
    }

    [Fact]
    public void A_renamed_resource_does_not_decrypt_under_its_new_name()
    {
        _t.Reopen(() => _t.RawExecute("UPDATE resources SET logical_id = 'o9' WHERE logical_id = 'o1'"));

        var error = Assert.Throws<VaultTamperedException>(() => _t.Vault.Read("Observation", "o9"));

        Assert.Equal("o9", error.Address.Id);
    }

    [Fact]
    public void A_wrapped_key_naming_a_kek_the_keyring_lacks_says_so()
    {
        _t.Reopen(() => _t.RawExecute("UPDATE compartments SET kek_id = 'kek-9'"));

        var error = Assert.Throws<KeyNotFoundException>(() => _t.Vault.Read("Observation", "o1"));

        Assert.Contains("kek-9", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("o2")]
    [InlineData("o3")]
    public void A_ciphertext_swapped_into_another_row_fails_to_decrypt_in_both(string other)
    {
        _t.Reopen(() =>
        {
            foreach (var column in new[] { "nonce", "ciphertext", "tag" })
            {
                var first = _t.RawScalar<byte[]>($"SELECT {column} FROM versions WHERE resource_id = (SELECT id FROM resources WHERE logical_id = 'o1')");
                var second = _t.RawScalar<byte[]>($"SELECT {column} FROM versions WHERE resource_id = (SELECT id FROM resources WHERE logical_id = @other)", ("@other", other));
                _t.RawExecute($"UPDATE versions SET {column} = @value WHERE resource_id = (SELECT id FROM resources WHERE logical_id = 'o1')", ("@value", second));
                _t.RawExecute($"UPDATE versions SET {column} = @value WHERE resource_id = (SELECT id FROM resources WHERE logical_id = @other)", ("@value", first), ("@other", other));
            }
        });

        Assert.Throws<VaultTamperedException>(() => _t.Vault.Read("Observation", "o1"));
        Assert.Throws<VaultTamperedException>(() => _t.Vault.Read("Observation", other));
    }

    [Fact]
    public void Commitment_verification_also_detects_tampering()
    {
        var commitment = _t.Vault.History("Observation", "o1")[0].Commitment;
        _t.Reopen(() => FlipFirstBit("versions", "ciphertext", "resource_id = (SELECT id FROM resources WHERE logical_id = 'o1')"));

        Assert.Throws<VaultTamperedException>(() => _t.Vault.VerifyCommitment(new RecordAddress("Observation", "o1", 1), commitment));
    }

    public void Dispose()
    {
        _t.Dispose();
        GC.SuppressFinalize(this);
    }

    private void FlipFirstBit(string table, string column, string where)
    {
        var bytes = _t.RawScalar<byte[]>($"SELECT {column} FROM {table} WHERE {where}");
        bytes[0] ^= 0x01;
        _t.RawExecute($"UPDATE {table} SET {column} = @value WHERE {where}", ("@value", bytes));
    }
}
