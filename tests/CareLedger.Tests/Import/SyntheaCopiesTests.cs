using System.Text.Json;
using CareLedger.Fhir.Bench;
using CareLedger.Import;
using CareLedger.Tests.Fhir;
using CareLedger.Tests.Support;

namespace CareLedger.Tests.Import;

public sealed class SyntheaCopiesTests
{
    private static List<(string Type, string Id, string? FullUrl)> Entries(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return [.. document.RootElement.GetProperty("entry").EnumerateArray().Select(e => (
            e.GetProperty("resource").GetProperty("resourceType").GetString()!,
            e.GetProperty("resource").GetProperty("id").GetString()!,
            e.TryGetProperty("fullUrl", out var url) ? url.GetString() : null))];
    }

    [Fact]
    public async System.Threading.Tasks.Task Copies_get_new_ids_keep_the_shared_ones_resolve_inside_themselves_and_import()
    {
        using var directory = new TempDirectory();
        var original = TestData.SyntheaPatientFiles[0];

        var paths = SyntheaCopies.Write([TestData.Synthea], 2, directory.Combine("copies"));
        var again = SyntheaCopies.Write([TestData.Synthea], 2, directory.Combine("again"));

        Assert.Equal(2 + (2 * TestData.SyntheaPatientFiles.Count), paths.Count);
        Assert.Equal(2, paths.Count(p => FhirImporter.IsSharedReferenceData(Path.GetFileName(p))));
        Assert.Equal(paths.Select(File.ReadAllText), again.Select(File.ReadAllText));
        var copies = paths.Where(p => p.EndsWith(Path.GetFileName(original), StringComparison.Ordinal)).Select(Entries).ToList();
        Assert.Equal(2, copies.Count);
        var source = Entries(original);
        foreach (var copy in copies)
        {
            Assert.Equal(source.Count, copy.Count);
            for (var i = 0; i < source.Count; i++)
            {
                var shared = source[i].Type is "Organization" or "Practitioner";
                Assert.Equal(source[i].Type, copy[i].Type);
                Assert.Equal(shared, source[i].Id == copy[i].Id);
            }

            // Every urn:uuid reference of the copy names an entry of the same copy.
            var fullUrls = copy.Select(e => e.FullUrl).ToHashSet(StringComparer.Ordinal);
            var text = File.ReadAllText(paths.First(p => Entries(p).SequenceEqual(copy)));
            foreach (System.Text.RegularExpressions.Match reference in System.Text.RegularExpressions.Regex.Matches(text, "\"reference\"\\s*:\\s*\"(urn:uuid:[^\"]+)\""))
            {
                Assert.Contains(reference.Groups[1].Value, fullUrls);
            }
        }

        Assert.Empty(copies[0].Select(e => e.Id).Where(id => !source.Any(s => s.Id == id)).Intersect(copies[1].Select(e => e.Id)));

        await using var node = await FhirTestNode.StartAsync();
        var report = await new FhirImporter(node.Service, node.DataDirectory, FhirTestNode.System).ImportAsync(paths, null, CancellationToken.None);
        Assert.Empty(report.Failures);
        Assert.Equal(paths.Count, report.FilesImported);
        var patients = node.Service.Search(FhirTestNode.System, CareLedger.Fhir.Search.SearchRequestParser.Parse("Patient", []), "http://localhost/fhir");
        Assert.Equal(2 * TestData.SyntheaPatientFiles.Count, patients.Entry.Count);
    }
}
