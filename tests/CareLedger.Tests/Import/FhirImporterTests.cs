using CareLedger.Fhir.Search;
using CareLedger.Fhir.Storage;
using CareLedger.Fhir.Validation;
using CareLedger.Import;
using CareLedger.Tests.Fhir;
using Hl7.Fhir.Model;

namespace CareLedger.Tests.Import;

public sealed class FhirImporterTests
{
    [Fact]
    public async System.Threading.Tasks.Task Every_synthea_bundle_imports_reads_back_equal_and_the_ledger_verifies()
    {
        await using var node = await FhirTestNode.StartAsync();
        var importer = new FhirImporter(node.Service, node.DataDirectory, FhirTestNode.System);

        var report = await importer.ImportAsync([TestData.Synthea], null, CancellationToken.None);

        Assert.Empty(report.Failures);
        Assert.Equal(5, report.FilesImported);
        var expected = ExpectedResources(FhirImporter.ExpandPaths([TestData.Synthea]));
        Assert.Equal(expected.Count, report.ResourcesCreated);
        foreach (var (key, sent) in expected)
        {
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            var stored = node.Service.Repository.ReadResource(FhirTestNode.System, key[..slash], key[(slash + 1)..]);
            Assert.NotNull(stored);
            Assert.Equal("1", stored.Meta!.VersionId);
            Assert.NotNull(stored.Meta.LastUpdated);
            Assert.True(WithoutServerMeta(stored).IsExactly(WithoutServerMeta(sent)), $"{key} reads back different from what was sent");
        }

        var patients = node.Service.Search(FhirTestNode.System, SearchRequestParser.Parse("Patient", []), "http://localhost/fhir");
        Assert.Equal(3, patients.Entry.Count);
        var verify = await node.CloseAndVerifyLedgerAsync();
        Assert.Null(verify.FirstProblem);
    }

    [Fact]
    public async System.Threading.Tasks.Task Importing_twice_creates_nothing_new_even_without_the_resume_record()
    {
        await using var node = await FhirTestNode.StartAsync();
        var importer = new FhirImporter(node.Service, node.DataDirectory, FhirTestNode.System);
        var first = await importer.ImportAsync([TestData.Synthea], null, CancellationToken.None);
        var ledgerSize = node.RecordTransactionCount();

        var second = await importer.ImportAsync([TestData.Synthea], null, CancellationToken.None);
        File.Delete(Path.Combine(node.DataDirectory, "import-state.txt"));
        var third = await new FhirImporter(node.Service, node.DataDirectory, FhirTestNode.System).ImportAsync([TestData.Synthea], null, CancellationToken.None);

        Assert.Equal(400, first.ResourcesCreated);
        Assert.Equal((5, 0L), (second.FilesSkipped, second.ResourcesCreated));
        Assert.Equal((5, 0L), (third.FilesImported, third.ResourcesCreated));
        Assert.Equal(first.ResourcesCreated + first.ResourcesAlreadyPresent, third.ResourcesAlreadyPresent);
        Assert.Equal(ledgerSize, node.RecordTransactionCount());
    }

    [Fact]
    public async System.Threading.Tasks.Task An_interrupted_import_resumes_where_it_stopped()
    {
        await using var node = await FhirTestNode.StartAsync();
        using var stop = new CancellationTokenSource();
        var progress = new Synchronous(p =>
        {
            if (p.FilesDone == 2)
            {
                stop.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new FhirImporter(node.Service, node.DataDirectory, FhirTestNode.System).ImportAsync([TestData.Synthea], progress, stop.Token));
        var resumed = await new FhirImporter(node.Service, node.DataDirectory, FhirTestNode.System).ImportAsync([TestData.Synthea], null, CancellationToken.None);

        Assert.Equal(2, resumed.FilesSkipped);
        Assert.Equal(3, resumed.FilesImported);
        Assert.Empty(resumed.Failures);
        Assert.Equal(3, node.Service.Search(FhirTestNode.System, SearchRequestParser.Parse("Patient", []), "http://x/fhir").Entry.Count);
    }

    [Fact]
    public async System.Threading.Tasks.Task Ndjson_files_import_one_resource_per_line()
    {
        await using var node = await FhirTestNode.StartAsync();
        var file = node.Directory.Combine("patients.ndjson");
        var lines = Enumerable.Range(1, 30).Select(i => FhirSerialization.ToJson(new Patient
        {
            Id = $"nd-{i}",
            Gender = AdministrativeGender.Female,
            Name = [new HumanName { Family = "Ndjson" + i }],
        }));
        await File.WriteAllLinesAsync(file, lines);

        var report = await new FhirImporter(node.Service, node.DataDirectory, FhirTestNode.System).ImportAsync([file], null, CancellationToken.None);

        Assert.Empty(report.Failures);
        Assert.Equal(30, report.ResourcesCreated);
        Assert.Equal("Ndjson7", ((Patient)node.Service.Repository.ReadResource(FhirTestNode.System, "Patient", "nd-7")!).Name[0].Family);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_file_with_an_invalid_resource_is_reported_and_stores_nothing()
    {
        await using var node = await FhirTestNode.StartAsync();
        var file = node.Directory.Combine("bad.json");
        await File.WriteAllTextAsync(file, """
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"urn:uuid:6a1f3c1e-0000-4000-8000-000000000001","resource":{"resourceType":"Patient","id":"6a1f3c1e-0000-4000-8000-000000000001","gender":"female"},"request":{"method":"POST","url":"Patient"}},
              {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:6a1f3c1e-0000-4000-8000-000000000001"},"referenceRange":[{"type":{"text":"no low, high or text"}}]},"request":{"method":"POST","url":"Observation"}}]}
            """);
        var size = node.RecordTransactionCount();

        var report = await new FhirImporter(node.Service, node.DataDirectory, FhirTestNode.System).ImportAsync([file], null, CancellationToken.None);

        var failure = Assert.Single(report.Failures);
        Assert.Contains("obs-3", failure.Reason, StringComparison.Ordinal);
        Assert.Equal(0, report.ResourcesCreated);
        Assert.Null(node.Service.Repository.Head("Patient", "6a1f3c1e-0000-4000-8000-000000000001"));
        Assert.Equal(size, node.RecordTransactionCount());
    }

    [Fact]
    public async System.Threading.Tasks.Task A_missing_path_is_an_error_naming_it()
    {
        await using var node = await FhirTestNode.StartAsync();
        var missing = node.Directory.Combine("nope.json");

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() =>
            new FhirImporter(node.Service, node.DataDirectory, FhirTestNode.System).ImportAsync([missing], null, CancellationToken.None));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// What each stored resource must equal: the first version sent with that id (later bundles repeat their
    /// Organization and Practitioner, which then already exist), with urn:uuid references as the server resolves them.
    /// </summary>
    private static Dictionary<string, Resource> ExpectedResources(IEnumerable<string> files)
    {
        var expected = new Dictionary<string, Resource>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var bundle = (Bundle)FhirSerialization.ParseJson(File.ReadAllBytes(file));
            var identities = bundle.Entry.Where(e => e.FullUrl is not null)
                .ToDictionary(e => e.FullUrl!, e => $"{e.Resource!.TypeName}/{e.Resource.Id}", StringComparer.Ordinal);
            foreach (var entry in bundle.Entry)
            {
                var resource = entry.Resource!;
                foreach (var reference in ResourceReferences.All(resource))
                {
                    if (reference.Reference is { } text && identities.TryGetValue(text, out var resolved))
                    {
                        reference.Reference = resolved;
                    }
                }

                expected.TryAdd($"{resource.TypeName}/{resource.Id}", resource);
            }
        }

        return expected;
    }

    private static Resource WithoutServerMeta(Resource resource)
    {
        var copy = (Resource)resource.DeepCopy();
        if (copy.Meta is { } meta)
        {
            meta.VersionId = null;
            meta.LastUpdated = null;
            if (meta.IsExactly(new Meta()))
            {
                copy.Meta = null;
            }
        }

        return copy;
    }

    private sealed class Synchronous(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
