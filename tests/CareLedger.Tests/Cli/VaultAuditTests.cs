using CareLedger.Tests.Support;
using Microsoft.Data.Sqlite;

namespace CareLedger.Tests.Cli;

/// <summary>
/// <c>careledger verify</c> also holds the vault to the ledger: what was rolled back, removed or edited in the
/// vault database is found, because the ledger's signed commitments say what must be there.
/// </summary>
public sealed class VaultAuditTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Theory]
    [InlineData("DELETE FROM versions WHERE id = (SELECT max(id) FROM versions WHERE committed = 1)", "were removed from the vault")]
    [InlineData("UPDATE versions SET commitment = zeroblob(32) WHERE id = (SELECT min(id) FROM versions WHERE committed = 1)", "differs from the one on the ledger")]
    [InlineData("UPDATE versions SET deleted = 1 - deleted WHERE id = (SELECT min(id) FROM versions WHERE committed = 1)", "disagree on whether it is a deletion")]
    public async Task Verify_finds_a_vault_that_disagrees_with_the_ledger(string tamper, string expected)
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("node");
        Assert.Equal(0, (await CareLedgerProcess.RunAsync(Timeout, "init", "--data", data)).ExitCode);
        var organisations = Path.Combine(AppContext.BaseDirectory, "TestData", "synthea", "hospitalInformation1559319163815.json");
        var import = await CareLedgerProcess.RunAsync(Timeout, "import", "--data", data, organisations);
        Assert.True(import.ExitCode == 0, import.Stdout + import.Stderr);
        var clean = await CareLedgerProcess.RunAsync(Timeout, "verify", "--data", data);
        Assert.True(clean.ExitCode == 0, clean.Stdout + clean.Stderr);
        Assert.Contains("vault versions checked against the ledger", clean.Stdout, StringComparison.Ordinal);

        using (var connection = new SqliteConnection($"Data Source={Path.Combine(data, "vault.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = tamper;
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        var verify = await CareLedgerProcess.RunAsync(Timeout, "verify", "--data", data);

        Assert.Equal(2, verify.ExitCode);
        Assert.Contains(expected, verify.Stderr, StringComparison.Ordinal);
    }
}
