using CareLedger.Storage;
using CareLedger.Testing;
using CareLedger.Vault.Tests.Support;

namespace CareLedger.Vault.Tests;

/// <summary>What only a shared PostgreSQL server can meet: other nodes' vaults beside this one, and a second process.</summary>
public sealed class VaultPostgresTests : IDisposable
{
    private readonly TestVault _t = new(StoreKind.Postgres);

    [Fact]
    public void Two_nodes_vaults_on_one_server_do_not_see_each_other()
    {
        using var other = new TestVault(StoreKind.Postgres);
        _t.Put("Observation", "o1", 1, "p1", """{"here":true}""");

        Assert.Null(other.Vault.Read("Observation", "o1"));
        Assert.Null(other.Vault.TryGetPseudonym("p1"));
        other.Put("Observation", "o1", 1, "p1", """{"there":true}""");
        Assert.Equal("""{"here":true}""", _t.ReadText("Observation", "o1"));
    }

    [Fact]
    public void A_second_process_cannot_open_a_vault_that_is_open()
    {
        var error = Assert.Throws<StoreUnavailableException>(() => Vault.Open(_t.Options));

        Assert.Contains("vault is open in another process", error.Message, StringComparison.Ordinal);
        _t.Put("Observation", "o1", 1, "p1", "{}");
    }

    [Fact]
    public void A_closed_vault_has_released_its_lock_when_Dispose_returns_and_reopens_at_once()
    {
        // PostgreSQL releases a closed session's locks only as its backend exits; the vault unlocks before closing, so
        // the lock is free the moment Dispose returns (once flaky: a reopen refused as "open in another process").
        var key = $"careledger/{_t.Postgres!.Schema}/vault";
        for (var round = 0; round < 20; round++)
        {
            _t.Put("Observation", $"o{round}", 1, "p1", "{}");
            _t.Vault.Dispose();

            Assert.True(_t.RawScalar<bool>($"SELECT pg_try_advisory_lock(hashtextextended('{key}', 0)) AND pg_advisory_unlock(hashtextextended('{key}', 0))"), $"round {round}: the lock is still held");
            _t.Reopen();
        }

        Assert.Equal("{}", _t.ReadText("Observation", "o19"));
    }

    [Fact]
    public void A_vault_of_an_unknown_schema_version_is_refused()
    {
        _t.Vault.Dispose();
        _t.RawExecute("UPDATE schema_version SET version = 99");

        var error = Assert.Throws<NotSupportedException>(() => Vault.Open(_t.Options));

        Assert.Contains("99", error.Message, StringComparison.Ordinal);
        _t.RawExecute("UPDATE schema_version SET version = 2");
        _t.Reopen();
    }

    [Fact]
    public void The_vault_lives_in_the_nodes_schema_and_says_where_without_the_password()
    {
        Assert.Contains(_t.Postgres!.Schema, _t.Vault.DatabasePath, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresServer.Shared.Password, _t.Vault.DatabasePath, StringComparison.Ordinal);
        Assert.Equal(1L, _t.RawScalar<long>($"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{_t.Postgres.Schema}' AND table_name = 'versions'"));
    }

    public void Dispose() => _t.Dispose();
}
