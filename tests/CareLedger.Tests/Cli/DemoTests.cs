using CareLedger.Tests.Support;

namespace CareLedger.Tests.Cli;

/// <summary>
/// <c>careledger demo</c> on the real executable: the first thing a new user runs must leave a node that verifies,
/// with the demo people, licence, consent and delegations in place, and a second run must add nothing.
/// </summary>
public sealed class DemoTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task The_demo_node_verifies_and_a_second_run_changes_nothing()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("demo");

        var first = await CareLedgerProcess.RunAsync(Timeout, "demo", "--data", data, "--no-serve");
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        Assert.Contains("dr.bob", first.Stdout, StringComparison.Ordinal);
        var sizeAfterFirst = await VerifiedLedgerSizeAsync(data);

        var second = await CareLedgerProcess.RunAsync(Timeout, "demo", "--data", data, "--no-serve");
        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);

        var sizeAfterSecond = await VerifiedLedgerSizeAsync(data);
        var users = await CareLedgerProcess.RunAsync(Timeout, "user", "list", "--data", data);
        Assert.Equal(8, users.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var credentials = await CareLedgerProcess.RunAsync(Timeout, "credential", "list", "--data", data);
        Assert.True(credentials.ExitCode == 0, credentials.Stderr);
        Assert.Contains("Practitioner/", credentials.Stdout, StringComparison.Ordinal);
        // The second run wrote no records, licence, consent or delegation: only audit anchors of its reads may follow.
        Assert.True(sizeAfterSecond - sizeAfterFirst < 10, $"a second demo run must not write the demo again ({sizeAfterFirst} → {sizeAfterSecond} transactions)");
    }

    /// <summary>Runs <c>careledger verify</c> (which checks the vault against the ledger too) and reads the transaction count.</summary>
    private static async Task<long> VerifiedLedgerSizeAsync(string data)
    {
        var verify = await CareLedgerProcess.RunAsync(Timeout, "verify", "--data", data);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        var line = verify.Stdout.Split('\n').First(l => l.Contains("transactions", StringComparison.Ordinal));
        return long.Parse(new string([.. line.Where(char.IsAsciiDigit)]), System.Globalization.CultureInfo.InvariantCulture);
    }
}
