using CareLedger.Ledger.Engine;

namespace CareLedger.Ledger.Tests.Engine;

public class NodeKeysTests
{
    [Fact]
    public void Created_keys_load_back_identical_from_owner_only_files()
    {
        using var directory = new TempDirectory("node-keys");

        using var created = NodeKeys.Create(directory.Path, "hospital.example/careledger", "Example Hospital");
        using var loaded = NodeKeys.Load(directory.Path);

        Assert.Equal("hospital.example/careledger", loaded.Origin);
        Assert.Equal("hospital.example/careledger/cosigner", loaded.Cosigner.Name);
        Assert.Equal(created.Log.VerifierKey, loaded.Log.VerifierKey);
        Assert.Equal(created.Cosigner.VerifierKey, loaded.Cosigner.VerifierKey);
        Assert.Equal(created.Organisation.Id, loaded.Organisation.Id);
        Assert.Equal(created.Node.Id, loaded.Node.Id);
        Assert.NotEqual(loaded.Organisation.Id, loaded.Node.Id);
        Assert.NotEqual(loaded.Log.VerifierKey.PublicKey, loaded.Cosigner.VerifierKey.PublicKey);
        if (!OperatingSystem.IsWindows())
        {
            foreach (var file in Directory.GetFiles(directory.Combine("keys")))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }
        }
    }

    [Fact]
    public void Creating_keys_where_keys_exist_is_refused_and_keeps_the_old_keys()
    {
        using var directory = new TempDirectory("node-keys");
        using var first = NodeKeys.Create(directory.Path, "hospital.example/careledger", "Example Hospital");

        Assert.Throws<IOException>(() => NodeKeys.Create(directory.Path, "hospital.example/careledger", "Example Hospital"));

        using var loaded = NodeKeys.Load(directory.Path);
        Assert.Equal(first.Organisation.Id, loaded.Organisation.Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("plus+sign")]
    public void An_origin_that_cannot_name_a_note_key_is_refused(string origin)
    {
        using var directory = new TempDirectory("node-keys");

        Assert.Throws<ArgumentException>(() => NodeKeys.Create(directory.Path, origin, "Example Hospital"));
        Assert.False(Directory.Exists(directory.Combine("keys")));
    }
}
