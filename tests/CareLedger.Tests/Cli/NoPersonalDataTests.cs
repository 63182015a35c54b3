using System.Text;
using CareLedger.Tests.Support;

namespace CareLedger.Tests.Cli;

/// <summary>
/// The ledger's first promise, checked on bytes: after importing real-looking patients and searching them by name,
/// no file of the node (ledger, tree, checkpoints, state, vault, import record) and nothing the node printed holds a
/// patient's name, identifier (SSN, MRN, passport, licence), telephone number or address line.
/// </summary>
public sealed class NoPersonalDataTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static string Synthea(string file) => SyntheaPatient.File(file);

    [Fact]
    public async Task No_file_or_log_line_of_the_node_holds_a_patients_name_identifier_phone_or_address()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("node");
        string[] patients =
        [
            "Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json",
            "Luigi_Wiegand_e27d88b0-c5e5-4042-ad49-184f6a900ee3.json",
            "Ned_Hintz_e4b9259d-0f54-48d1-a35d-b526729a4dfe.json",
        ];
        var personal = patients.SelectMany(p => SyntheaPatient.Read(Synthea(p)).PersonalStrings).Distinct().ToList();
        Assert.True(personal.Count >= 15, "the scan must look for enough strings to mean something");

        Assert.Equal(0, (await CareLedgerProcess.RunAsync(Timeout, "init", "--data", data)).ExitCode);
        await NodeCredentials.RegisterSystemClientAsync(dir, data, Timeout);
        string[] importArguments = ["import", "--data", data, Synthea("hospitalInformation1559319163815.json"), Synthea("practitionerInformation1559319163815.json"), .. patients.Select(Synthea)];
        var import = await CareLedgerProcess.RunAsync(Timeout, importArguments);
        Assert.True(import.ExitCode == 0, import.Stdout + import.Stderr);

        string served;
        await using (var node = CareLedgerProcess.Start("serve", "--data", data, "--urls", "http://127.0.0.1:0"))
        {
            using var http = new HttpClient { BaseAddress = await node.WaitUntilListeningAsync(Timeout) };
            await NodeCredentials.AuthoriseAsync(http);
            foreach (var term in personal.Take(10))
            {
                // Searches by name and identifier go through the blind index; bad ones produce error paths.
                using var byName = await http.GetAsync(new Uri($"/fhir/Patient?name={Uri.EscapeDataString(term)}", UriKind.Relative));
                using var byIdentifier = await http.GetAsync(new Uri($"/fhir/Patient?identifier={Uri.EscapeDataString(term)}", UriKind.Relative));
                using var broken = await http.GetAsync(new Uri($"/fhir/Patient?birthdate=not-a-date-{Uri.EscapeDataString(term)}", UriKind.Relative));
            }

            served = node.Output;
        }

        var verify = await CareLedgerProcess.RunAsync(Timeout, "verify", "--data", data);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);

        // The scan can see: logical ids are stored in the clear in the vault (they are opaque UUIDs by design).
        var someId = Encoding.UTF8.GetBytes(SyntheaPatient.Read(Synthea(patients[0])).Id);
        Assert.True(File.ReadAllBytes(Path.Combine(data, "vault.db")).AsSpan().IndexOf(someId) >= 0);

        var printed = import.Stdout + import.Stderr + served + verify.Stdout + verify.Stderr;
        foreach (var term in personal)
        {
            Assert.DoesNotContain(term, printed, StringComparison.Ordinal);
            var needle = Encoding.UTF8.GetBytes(term);
            foreach (var file in Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories))
            {
                Assert.True(File.ReadAllBytes(file).AsSpan().IndexOf(needle) < 0, $"'{term}' is readable in {Path.GetRelativePath(data, file)}");
            }
        }
    }
}
