using CareLedger.IO;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Tests.Engine;

namespace CareLedger.Ledger.Tests.Crypto;

public class SecureFileTests
{
    [Fact]
    public void Writing_creates_the_file_with_owner_only_mode_and_leaves_no_temporary_file()
    {
        using var directory = new TempDirectory("secure-file");
        var path = directory.Combine("nested", "secret.bin");

        SecureFile.WriteAllBytes(path, [1, 2, 3]);

        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(directory.Combine("nested")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void Writing_replaces_an_existing_file_whole()
    {
        using var directory = new TempDirectory("secure-file");
        var path = directory.Combine("secret.bin");
        File.WriteAllBytes(path, new byte[1000]);

        SecureFile.WriteAllBytes(path, [9]);

        Assert.Equal(new byte[] { 9 }, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(directory.Path));
    }
}
