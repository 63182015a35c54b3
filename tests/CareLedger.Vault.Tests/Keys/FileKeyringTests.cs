using System.Runtime.Versioning;
using System.Security.Cryptography;
using CareLedger.Vault.Keys;

namespace CareLedger.Vault.Tests.Keys;

// File modes are POSIX permissions; the vault's deployments are Linux.
[UnsupportedOSPlatform("windows")]
public sealed class FileKeyringTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "careledger-keyring-" + Guid.NewGuid().ToString("N"));

    public FileKeyringTests() => Directory.CreateDirectory(_directory);

    private string KeyringPath => Path.Combine(_directory, "keyring.json");

    [Fact]
    public void Creates_the_keyring_file_with_mode_0600_and_no_temporary_files_left()
    {
        using var keyring = FileKeyring.OpenOrCreate(KeyringPath);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyringPath));
        Assert.Equal(["keyring.json"], Directory.GetFiles(_directory).Select(Path.GetFileName));
        Assert.Equal("kek-1", keyring.CurrentKeyId);
    }

    [Fact]
    public void A_reopened_keyring_unwraps_what_it_wrapped_and_keeps_its_secrets()
    {
        var dek = RandomNumberGenerator.GetBytes(32);
        WrappedDataKey wrapped;
        byte[] secret;
        using (var keyring = FileKeyring.OpenOrCreate(KeyringPath))
        {
            wrapped = keyring.Wrap(dek, "organisation"u8);
            secret = keyring.GetSecret(VaultSecretPurpose.RecordReference);
        }

        using var reopened = FileKeyring.OpenOrCreate(KeyringPath);

        Assert.Equal(dek, reopened.Unwrap(wrapped.KeyId, wrapped.Wrapped, "organisation"u8));
        Assert.Equal(secret, reopened.GetSecret(VaultSecretPurpose.RecordReference));
    }

    [Fact]
    public void Rotate_wraps_under_a_new_version_and_old_versions_still_unwrap_after_reopening()
    {
        var dek = RandomNumberGenerator.GetBytes(32);
        using (var keyring = FileKeyring.OpenOrCreate(KeyringPath))
        {
            var old = keyring.Wrap(dek, "c"u8);
            keyring.Rotate();
            var fresh = keyring.Wrap(dek, "c"u8);

            Assert.Equal(("kek-1", "kek-2"), (old.KeyId, fresh.KeyId));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyringPath));
        }

        using var reopened = FileKeyring.OpenOrCreate(KeyringPath);
        Assert.Equal(["kek-1", "kek-2"], reopened.KeyIds);
        Assert.Equal("kek-2", reopened.CurrentKeyId);
    }

    [Fact]
    public void A_retired_version_no_longer_unwraps()
    {
        using var keyring = FileKeyring.OpenOrCreate(KeyringPath);
        var old = keyring.Wrap(RandomNumberGenerator.GetBytes(32), "c"u8);
        keyring.Rotate();

        keyring.Retire("kek-1");

        var error = Assert.Throws<KeyNotFoundException>(() => keyring.Unwrap(old.KeyId, old.Wrapped, "c"u8));
        Assert.Contains("kek-1", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => keyring.Retire("kek-2"));
    }

    [Fact]
    public void A_keyring_readable_by_others_is_refused()
    {
        FileKeyring.OpenOrCreate(KeyringPath).Dispose();
        File.SetUnixFileMode(KeyringPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var error = Assert.Throws<UnauthorizedAccessException>(() => FileKeyring.OpenOrCreate(KeyringPath));

        Assert.Contains("chmod 600", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_keyring_is_reported_and_left_as_it_was()
    {
        File.WriteAllText(KeyringPath, "{\"format\":\"careledger-keyring/v1\"}");
        File.SetUnixFileMode(KeyringPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var error = Assert.Throws<FormatException>(() => FileKeyring.OpenOrCreate(KeyringPath));

        Assert.Contains("current", error.Message, StringComparison.Ordinal);
        Assert.Equal("{\"format\":\"careledger-keyring/v1\"}", File.ReadAllText(KeyringPath));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
