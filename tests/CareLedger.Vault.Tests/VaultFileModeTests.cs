using System.Runtime.Versioning;
using CareLedger.Vault.Tests.Support;

namespace CareLedger.Vault.Tests;

// File modes are POSIX permissions; the vault's deployments are Linux.
[UnsupportedOSPlatform("windows")]
public sealed class VaultFileModeTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TestVault _t = new();

    [Fact]
    public void The_database_its_wal_and_shm_and_the_keyring_are_owner_only()
    {
        _t.Put("Observation", "o1", 1, "p1", "{}");

        foreach (var path in new[] { _t.DatabasePath, _t.DatabasePath + "-wal", _t.DatabasePath + "-shm", _t.KeyringPath })
        {
            Assert.True(File.Exists(path), path);
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void A_database_file_left_readable_by_others_is_tightened_on_open()
    {
        _t.Reopen(() => File.SetUnixFileMode(_t.DatabasePath, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead));

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(_t.DatabasePath));
    }

    [Fact]
    public void The_vault_runs_in_wal_mode_with_full_sync_and_a_schema_version()
    {
        Assert.Equal("wal", _t.RawScalar<string>("PRAGMA journal_mode"));
        Assert.Equal(2L, _t.RawScalar<long>("SELECT version FROM schema_version"));
    }

    [Fact]
    public void A_database_of_an_unknown_schema_version_is_refused()
    {
        _t.Vault.Dispose();
        _t.RawExecute("UPDATE schema_version SET version = 99");

        var error = Assert.Throws<NotSupportedException>(() => Vault.Open(_t.Options));

        Assert.Contains("99", error.Message, StringComparison.Ordinal);
        _t.RawExecute("UPDATE schema_version SET version = 2");
    }

    public void Dispose() => _t.Dispose();
}
