using CareLedger.Locator;
using CareLedger.Tests.Support;

namespace CareLedger.Tests.Locator;

/// <summary><c>careledger locator key new|rotate|install</c> on the real executable: a key made once, installed on members, rotated, and bad input refused.</summary>
public sealed class LocatorCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task A_key_is_made_once_installed_on_a_member_and_bad_input_is_one_line_and_exit_1()
    {
        using var dir = new TempDirectory();
        var keyFile = dir.Combine("locator.json");
        var data = dir.Combine("node");
        Assert.Equal(0, (await CareLedgerProcess.RunAsync(Timeout, "init", "--data", data, "--origin", "locator.test/one")).ExitCode);

        var made = await CareLedgerProcess.RunAsync(Timeout, "locator", "key", "new", "--identifier-system", "http://hl7.org/fhir/sid/us-ssn", "-o", keyFile);
        Assert.True(made.ExitCode == 0, made.Stderr);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        var installed = await CareLedgerProcess.RunAsync(Timeout, "locator", "key", "install", keyFile, "--data", data);
        Assert.True(installed.ExitCode == 0, installed.Stderr);
        Assert.Equal(await File.ReadAllBytesAsync(keyFile), LocatorKey.Load(data)!.ToJson());

        var before = await File.ReadAllBytesAsync(keyFile);
        foreach (var args in new[]
        {
            new[] { "locator", "key", "new", "--identifier-system", "http://hl7.org/fhir/sid/us-ssn", "-o", keyFile },
            ["locator", "key", "new", "--identifier-system", "not a uri", "-o", dir.Combine("other.json")],
            ["locator", "key", "install", keyFile, "--data", dir.Combine("no-node")],
            ["locator", "key", "install", dir.Combine("missing.json"), "--data", data],
        })
        {
            var refused = await CareLedgerProcess.RunAsync(Timeout, args);
            Assert.Equal(1, refused.ExitCode);
            Assert.Single(refused.Stderr.Trim().Split('\n'));
        }

        // Another network's key is not installed over this member's.
        var other = dir.Combine("other-network.json");
        Assert.Equal(0, (await CareLedgerProcess.RunAsync(Timeout, "locator", "key", "new", "--identifier-system", "http://hl7.org/fhir/sid/us-ssn", "-o", other)).ExitCode);
        var replaced = await CareLedgerProcess.RunAsync(Timeout, "locator", "key", "install", other, "--data", data);
        Assert.Equal(1, replaced.ExitCode);
        Assert.Equal(before, await File.ReadAllBytesAsync(keyFile));
        Assert.Equal(before, LocatorKey.Load(data)!.ToJson());
        Assert.False(File.Exists(dir.Combine("other.json")));

        // A rotation of the network's key is installed over it (it keeps the old key); the old key is then refused over
        // the new one, and the new key without the retired one is accepted (once every member has rotated).
        var rotatedFile = dir.Combine("rotated.json");
        var rotate = await CareLedgerProcess.RunAsync(Timeout, "locator", "key", "rotate", keyFile, "-o", rotatedFile);
        Assert.True(rotate.ExitCode == 0, rotate.Stderr);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(rotatedFile));
        Assert.Equal(1, (await CareLedgerProcess.RunAsync(Timeout, "locator", "key", "rotate", keyFile, "-o", rotatedFile)).ExitCode);
        var rotated = LocatorKey.Parse(await File.ReadAllBytesAsync(rotatedFile), rotatedFile);
        Assert.True(rotated.Knows(LocatorKey.Parse(before, keyFile)));
        var rotatedInstalled = await CareLedgerProcess.RunAsync(Timeout, "locator", "key", "install", rotatedFile, "--data", data);
        Assert.True(rotatedInstalled.ExitCode == 0, rotatedInstalled.Stderr);
        Assert.Equal(rotated.ToJson(), LocatorKey.Load(data)!.ToJson());
        var downgrade = await CareLedgerProcess.RunAsync(Timeout, "locator", "key", "install", keyFile, "--data", data);
        Assert.Equal(1, downgrade.ExitCode);
        Assert.Single(downgrade.Stderr.Trim().Split('\n'));
        var retiredFile = dir.Combine("retired.json");
        await File.WriteAllBytesAsync(retiredFile, rotated.WithoutPreviousKeys().ToJson());
        Assert.Equal(0, (await CareLedgerProcess.RunAsync(Timeout, "locator", "key", "install", retiredFile, "--data", data)).ExitCode);
        Assert.Equal(0, LocatorKey.Load(data)!.PreviousKeyCount);
        Assert.Equal(rotated.Id, LocatorKey.Load(data)!.Id);
    }
}
