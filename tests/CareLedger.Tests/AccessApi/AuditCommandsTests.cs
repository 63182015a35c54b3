using System.CommandLine;
using System.Net;
using CareLedger.Cli;
using CareLedger.Tests.Fhir;
using Hl7.Fhir.Model;

namespace CareLedger.Tests.AccessApi;

/// <summary><c>careledger audit verify</c> on a receipt fetched from the API: valid, tampered, and misused.</summary>
public sealed class AuditCommandsTests
{
    [Fact]
    public async System.Threading.Tasks.Task A_receipt_verifies_offline_and_any_tampering_or_misuse_is_one_line_and_non_zero()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        using var patient = host.As(Person.Patient("p-1"));
        Assert.Equal(HttpStatusCode.OK, (await patient.GetAsync("fhir/Observation/o-p-1")).StatusCode);
        await host.SettleAuditAsync();
        var entry = (await FhirTestNode.ReadAsync<Bundle>(await patient.GetAsync("fhir/AuditEvent?_count=1"))).Entry[0];
        var receipt = await (await patient.GetAsync(entry.Link[0].Url)).Content.ReadAsStringAsync();
        var file = host.Fhir.Directory.Combine("receipt.json");
        var tampered = host.Fhir.Directory.Combine("tampered.json");
        var keyFile = host.Fhir.Directory.Combine("log.vkey");
        await File.WriteAllTextAsync(file, receipt);
        await File.WriteAllTextAsync(tampered, receipt.Replace("\"batch\": ", "\"batch\": 1", StringComparison.Ordinal));
        var vkey = host.Node.Ledger.Keys.Log.VerifierKey.ToVkey();
        await File.WriteAllTextAsync(keyFile, $"# the log key\n{vkey}\n");

        var valid = await RunAsync("audit", "verify", file, "--key", vkey);
        var fromKeyFile = await RunAsync("audit", "verify", file, "--key", keyFile);
        var invalid = await RunAsync("audit", "verify", tampered, "--key", vkey);
        var badKey = await RunAsync("audit", "verify", file, "--key", "not-a-key");
        var missing = await RunAsync("audit", "verify", host.Fhir.Directory.Combine("nope.json"), "--key", vkey);

        Assert.Equal(0, valid.Exit);
        Assert.StartsWith($"audit receipt valid: record {entry.Resource!.Id} (read, permit,", valid.Output, StringComparison.Ordinal);
        Assert.Single(valid.Output.Trim().Split('\n'));
        Assert.Equal(0, fromKeyFile.Exit);
        Assert.Equal(2, invalid.Exit);
        Assert.StartsWith("audit receipt INVALID: ", invalid.Error, StringComparison.Ordinal);
        Assert.Equal(1, badKey.Exit);
        Assert.StartsWith("not a verifier key", badKey.Error, StringComparison.Ordinal);
        Assert.Equal(1, missing.Exit);
        Assert.All([invalid.Error, badKey.Error, missing.Error], e => Assert.DoesNotContain('\n', e!));
    }

    private static async Task<(int Exit, string Output, string? Error)> RunAsync(params string[] args)
    {
        var root = new RootCommand();
        root.Subcommands.Add(AuditCommands.Create());
        using var output = new StringWriter();
        try
        {
            var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = output, EnableDefaultExceptionHandler = false });
            return (exit, output.ToString(), null);
        }
        catch (CliException e)
        {
            return (e.ExitCode, output.ToString(), e.Message);
        }
    }
}
