using System.Text;
using CareLedger.Tests.Support;

namespace CareLedger.Tests.Cli;

/// <summary>
/// Erasure end to end on the real executable: after <c>careledger erase</c>, no file of the node holds anything
/// that identifies the patient, and the ledger still verifies.
/// </summary>
public sealed class ErasureTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static string Synthea(string file) => SyntheaPatient.File(file);

    [Fact]
    public async Task Erasing_a_patient_leaves_nothing_identifying_in_any_file_and_the_ledger_still_verifies()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("node");
        const string bundleFile = "Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json";
        var (patientId, identifying) = SyntheaPatient.Read(Synthea(bundleFile));
        Assert.Equal(0, (await CareLedgerProcess.RunAsync(Timeout, "init", "--data", data)).ExitCode);
        var import = await CareLedgerProcess.RunAsync(Timeout, "import", "--data", data,
            Synthea("hospitalInformation1559319163815.json"), Synthea("practitionerInformation1559319163815.json"), Synthea(bundleFile));
        Assert.True(import.ExitCode == 0, import.Stdout + import.Stderr);

        // The scan works: before erasure the vault holds the patient's id (logical ids are stored in the clear).
        Assert.Contains(patientId, FilesContaining(data, patientId).Select(f => f.Term));

        var erase = await CareLedgerProcess.RunAsync(Timeout, "erase", "--data", data, "--patient", patientId, "--yes");
        Assert.True(erase.ExitCode == 0, erase.Stdout + erase.Stderr);
        Assert.Contains("tombstone", erase.Stdout, StringComparison.Ordinal);

        foreach (var term in identifying.Append(patientId))
        {
            var found = FilesContaining(data, term).ToList();
            Assert.True(found.Count == 0, $"'{term}' still readable in {string.Join(", ", found.Select(f => f.File))}");
        }

        var verify = await CareLedgerProcess.RunAsync(Timeout, "verify", "--data", data);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);

        var again = await CareLedgerProcess.RunAsync(Timeout, "erase", "--data", data, "--patient", patientId, "--yes");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("nothing was erased", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Erase_without_confirmation_changes_nothing()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("node");
        Assert.Equal(0, (await CareLedgerProcess.RunAsync(Timeout, "init", "--data", data)).ExitCode);

        var erase = await CareLedgerProcess.RunAsync(Timeout, "erase", "--data", data, "--patient", "anyone");

        Assert.Equal(1, erase.ExitCode);
        Assert.Contains("--yes", erase.Stderr, StringComparison.Ordinal);
    }

    private static IEnumerable<(string File, string Term)> FilesContaining(string directory, string term)
    {
        var needle = Encoding.UTF8.GetBytes(term);
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            if (File.ReadAllBytes(file).AsSpan().IndexOf(needle) >= 0)
            {
                yield return (Path.GetRelativePath(directory, file), term);
            }
        }
    }
}
