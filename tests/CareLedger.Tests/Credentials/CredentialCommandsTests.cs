using System.CommandLine;
using CareLedger.Access.Credentials;
using CareLedger.Cli;
using CareLedger.Node;
using CareLedger.Tests.Support;

namespace CareLedger.Tests.Credentials;

/// <summary>
/// <c>careledger credential ...</c> run in process through its command builder (the root command registers it): exit codes,
/// files, and the one line a refusal ends with.
/// </summary>
public sealed class CredentialCommandsTests
{
    [Fact]
    public async Task A_board_issues_a_credential_to_a_file_that_verifies_until_it_is_revoked()
    {
        using var directory = new TempDirectory();
        var data = await InitialiseNodeAsync(directory);
        var file = directory.Combine("dr-1.vc.jwt");

        var issued = await RunAsync("credential", "issue", "--data", data, "--practitioner", "Practitioner/dr-1", "--licence-number", "MED-1",
            "--speciality", "general practice", "--valid-until", "2099-01-01", "--output", file);
        var verified = await RunAsync("credential", "verify", file, "--data", data);
        var id = (string)JwtSurgeryOf(file)["id"]!;
        var listed = await RunAsync("credential", "list", "--data", data, "--practitioner", "Practitioner/dr-1");
        var revoked = await RunAsync("credential", "revoke", id, "--data", data, "--reason", "retired");
        var refusal = await Assert.ThrowsAsync<CliException>(() => RunAsync("credential", "verify", file, "--data", data));

        Assert.Equal((0, 0, 0, 0), (issued, verified, listed, revoked));
        Assert.StartsWith($"credential INVALID: {id} was revoked at leaf ", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(1, refusal.ExitCode);
        Assert.DoesNotContain('\n', refusal.Message);
    }

    [Fact]
    public async Task A_renewal_replaces_the_file_and_the_old_one_no_longer_verifies()
    {
        using var directory = new TempDirectory();
        var data = await InitialiseNodeAsync(directory);
        var first = directory.Combine("first.jwt");
        var second = directory.Combine("second.jwt");
        await RunAsync("credential", "issue", "--data", data, "--practitioner", "Practitioner/dr-2", "--licence-number", "MED-2",
            "--speciality", "cardiology", "--valid-until", "2090-01-01T00:00:00Z", "-o", first);
        var id = (string)JwtSurgeryOf(first)["id"]!;

        Assert.Equal(0, await RunAsync("credential", "renew", id, "--data", data, "--valid-until", "2095-01-01", "-o", second));

        Assert.Equal("2095-01-01T00:00:00Z", (string)JwtSurgeryOf(second)["validUntil"]!);
        Assert.Equal(0, await RunAsync("credential", "verify", second, "--data", data));
        var superseded = await Assert.ThrowsAsync<CliException>(() => RunAsync("credential", "verify", first, "--data", data));
        Assert.Contains("is not the version the ledger records", superseded.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anyone_verifies_against_a_running_node()
    {
        await using var host = await CredentialTestHost.StartAsync();
        var issued = await host.Registry.IssueAsync(host.Board, "Practitioner/dr-3", new PractitionerLicence("MED-3", "surgery"), DateTimeOffset.UtcNow.AddYears(1));
        var file = host.Directory.Combine("dr-3.jwt");
        await File.WriteAllTextAsync(file, issued.Jwt);
        var node = host.BaseAddress.AbsoluteUri;

        var valid = await RunAsync("credential", "verify", file, "--node", node);
        await host.Registry.RevokeAsync(issued.Id, "suspended");
        var refusal = await Assert.ThrowsAsync<CliException>(() => RunAsync("credential", "verify", file, "--node", node));

        Assert.Equal(0, valid);
        Assert.StartsWith($"credential INVALID: {issued.Id} was revoked at leaf ", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mistakes_end_in_one_clear_line_and_change_nothing()
    {
        using var directory = new TempDirectory();
        var data = await InitialiseNodeAsync(directory);
        var missing = directory.Combine("missing.jwt");
        var garbage = directory.Combine("garbage.jwt");
        await File.WriteAllTextAsync(garbage, "not a credential");

        var noFile = await Assert.ThrowsAsync<CliException>(() => RunAsync("credential", "verify", missing, "--data", data));
        var both = await Assert.ThrowsAsync<CliException>(() => RunAsync("credential", "verify", garbage, "--data", data, "--node", "http://127.0.0.1:1"));
        var notJwt = await Assert.ThrowsAsync<CliException>(() => RunAsync("credential", "verify", garbage, "--data", data));
        var unknown = await Assert.ThrowsAsync<CliException>(() => RunAsync("credential", "renew", CredentialIdentifiers.NewCredentialId(), "--data", data, "--valid-until", "2099-01-01"));
        var patient = await Assert.ThrowsAsync<CliException>(() => RunAsync("credential", "issue", "--data", data, "--practitioner", "Patient/p-1",
            "--licence-number", "MED-1", "--speciality", "x", "--valid-until", "2099-01-01"));
        var badDate = await Assert.ThrowsAsync<CliException>(() => RunAsync("credential", "issue", "--data", data, "--practitioner", "Practitioner/dr-1",
            "--licence-number", "MED-1", "--speciality", "x", "--valid-until", "next year"));

        Assert.StartsWith("credential file not found", noFile.Message, StringComparison.Ordinal);
        Assert.Equal("give --data or --node, not both", both.Message);
        Assert.StartsWith("credential INVALID: is not a VC-JWT", notJwt.Message, StringComparison.Ordinal);
        Assert.Contains("holds no issued credential", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("not a practitioner reference", patient.Message, StringComparison.Ordinal);
        Assert.Contains("--valid-until 'next year'", badDate.Message, StringComparison.Ordinal);
        Assert.Equal(1, CareLedgerCli.Fail(patient));
        await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(data), CancellationToken.None);
        Assert.Empty(node.Credentials.List());
    }

    private static async Task<string> InitialiseNodeAsync(TempDirectory directory)
    {
        var paths = NodePaths.For(directory.Combine("data"));
        await using var node = await CareLedgerNode.InitializeAsync(paths, "credentials.test/cli", "Test Hospital", CancellationToken.None);
        return paths.DataDirectory;
    }

    private static Task<int> RunAsync(params string[] args) =>
        new RootCommand { CredentialCommands.Create() }.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });

    private static System.Text.Json.Nodes.JsonObject JwtSurgeryOf(string file)
    {
        var payload = File.ReadAllText(file).Trim().Split('.')[1];
        return System.Text.Json.Nodes.JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(payload))!.AsObject();
    }
}
