using CareLedger.Import;
using CareLedger.Tests.Fhir;

namespace CareLedger.Tests.Import;

/// <summary>Patient bundles are committed several at a time; files that write the same resources must still all import.</summary>
public sealed class ConcurrentImportTests
{
    [Fact]
    public async System.Threading.Tasks.Task Two_files_in_flight_that_create_the_same_resources_both_import_and_the_ledger_verifies()
    {
        await using var node = await FhirTestNode.StartAsync();
        var patient = TestData.SyntheaPatientFiles[0];
        var folder = node.Directory.Combine("twins");
        Directory.CreateDirectory(folder);
        File.Copy(patient, Path.Combine(folder, "a.json"));
        File.Copy(patient, Path.Combine(folder, "b.json"));
        var distinct = ((Hl7.Fhir.Model.Bundle)CareLedger.Fhir.Validation.FhirSerialization.ParseJson(await File.ReadAllBytesAsync(patient))).Entry.Count;

        var report = await new FhirImporter(node.Service, node.DataDirectory, FhirTestNode.System).ImportAsync([folder], null, CancellationToken.None);

        Assert.Empty(report.Failures);
        Assert.Equal(distinct, report.ResourcesCreated);
        Assert.Equal(2, report.FilesImported + report.FilesSkipped);
        var verify = await node.CloseAndVerifyLedgerAsync();
        Assert.Null(verify.FirstProblem);
    }
}
