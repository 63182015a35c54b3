using System.Net;
using System.Text.Json;
using CareLedger.Fhir.Export;
using CareLedger.Fhir.Validation;
using CareLedger.Tests.Support;
using Hl7.Fhir.Model;

namespace CareLedger.Tests.Fhir;

public sealed class BulkExportTests
{
    private static async Task<(string Patient, string Other)> SeedAsync(FhirTestNode node)
    {
        var patient = (await node.Service.CreateAsync(FhirTestNode.System, new Patient { Gender = AdministrativeGender.Female }, null, CancellationToken.None)).Id;
        var other = (await node.Service.CreateAsync(FhirTestNode.System, new Patient { Gender = AdministrativeGender.Male }, null, CancellationToken.None)).Id;
        foreach (var subject in new[] { patient, patient, other })
        {
            await node.Service.CreateAsync(FhirTestNode.System, new Observation
            {
                Status = ObservationStatus.Final,
                Code = new CodeableConcept("http://loinc.org", "8302-2"),
                Subject = new ResourceReference($"Patient/{subject}"),
            }, null, CancellationToken.None);
        }

        await node.Service.CreateAsync(FhirTestNode.System, new Organization { Name = "Org" }, null, CancellationToken.None);
        return (patient, other);
    }

    private static async Task<JsonElement> KickOffAndWaitAsync(FhirTestNode node, string url)
    {
        var kickOff = await node.Client.SendAsync(FhirTestNode.Request(HttpMethod.Get, url, null, ("Prefer", "respond-async")));
        Assert.Equal(HttpStatusCode.Accepted, kickOff.StatusCode);
        var status = kickOff.Content.Headers.ContentLocation ?? kickOff.Headers.GetValues("Content-Location").Select(v => new Uri(v)).First();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var poll = await node.Client.GetAsync(status);
            if (poll.StatusCode == HttpStatusCode.OK)
            {
                return JsonDocument.Parse(await poll.Content.ReadAsStringAsync()).RootElement;
            }

            Assert.Equal(HttpStatusCode.Accepted, poll.StatusCode);
            Assert.True(poll.Headers.Contains("X-Progress"));
            Assert.True(DateTime.UtcNow < deadline, "the export did not finish in 30 s");
            await System.Threading.Tasks.Task.Delay(50);
        }
    }

    private static async Task<List<Resource>> DownloadAsync(FhirTestNode node, JsonElement output)
    {
        var response = await node.Client.GetAsync(output.GetProperty("url").GetString());
        Assert.Equal("application/fhir+ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return [.. lines.Select(l => FhirSerialization.ParseJson(System.Text.Encoding.UTF8.GetBytes(l)))];
    }

    [Fact]
    public async System.Threading.Tasks.Task System_export_writes_one_ndjson_file_per_type_with_every_resource()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        await SeedAsync(node);

        var manifest = await KickOffAndWaitAsync(node, "$export");

        var outputs = manifest.GetProperty("output").EnumerateArray().ToDictionary(o => o.GetProperty("type").GetString()!, o => o);
        Assert.Equal(["Observation", "Organization", "Patient"], outputs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(3, outputs["Observation"].GetProperty("count").GetInt64());
        Assert.False(manifest.GetProperty("requiresAccessToken").GetBoolean());
        Assert.Equal(3, (await DownloadAsync(node, outputs["Observation"])).OfType<Observation>().Count());
    }

    [Fact]
    public async System.Threading.Tasks.Task Patient_and_group_exports_hold_only_their_patients_data()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var (patient, _) = await SeedAsync(node);
        var group = (await node.Service.CreateAsync(FhirTestNode.System, new Group
        {
            Type = Group.GroupType.Person,
            Actual = true,
            Member = [new Group.MemberComponent { Entity = new ResourceReference($"Patient/{patient}") }],
        }, null, CancellationToken.None)).Id;

        var all = await KickOffAndWaitAsync(node, "Patient/$export?_type=Observation");
        var one = await KickOffAndWaitAsync(node, $"Group/{group}/$export");

        Assert.Equal(3, all.GetProperty("output")[0].GetProperty("count").GetInt64());
        var files = one.GetProperty("output").EnumerateArray().ToDictionary(o => o.GetProperty("type").GetString()!, o => o);
        Assert.DoesNotContain("Organization", files.Keys);
        var observations = await DownloadAsync(node, files["Observation"]);
        Assert.Equal(2, observations.Count);
        Assert.All(observations.Cast<Observation>(), o => Assert.Equal($"Patient/{patient}", o.Subject!.Reference));
    }

    [Fact]
    public async System.Threading.Tasks.Task Kick_off_without_respond_async_is_refused_and_a_cancelled_job_is_gone()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        await SeedAsync(node);

        var synchronous = await node.Client.GetAsync("$export");
        var kickOff = await node.Client.SendAsync(FhirTestNode.Request(HttpMethod.Get, "$export", null, ("Prefer", "respond-async")));
        var status = kickOff.Content.Headers.ContentLocation!;
        var cancelled = await node.Client.DeleteAsync(status);
        var after = await node.Client.GetAsync(status);

        Assert.Equal(HttpStatusCode.BadRequest, synchronous.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_finished_job_outlives_a_restart_and_an_interrupted_one_is_reported_as_failed()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        await SeedAsync(node);
        var kickOff = await node.Client.SendAsync(FhirTestNode.Request(HttpMethod.Get, "$export?_type=Observation", null, ("Prefer", "respond-async")));
        var status = kickOff.Content.Headers.ContentLocation!;
        var before = await KickOffAndWaitAsync(node, "$export?_type=Patient");
        while ((await node.Client.GetAsync(status)).StatusCode != HttpStatusCode.OK)
        {
            await System.Threading.Tasks.Task.Delay(50);
        }

        // A job the node was running when it stopped: its record has no end, and its file is half written.
        var finished = ExportJobRecord.Read(Path.Combine(node.ExportDirectory, status.Segments[^1]))!;
        var interruptedId = Guid.NewGuid().ToString("N");
        var interruptedDirectory = Path.Combine(node.ExportDirectory, interruptedId);
        Directory.CreateDirectory(interruptedDirectory);
        (finished with { Id = interruptedId, CompletedAt = null, Files = [] }).Write(interruptedDirectory);
        File.WriteAllText(Path.Combine(interruptedDirectory, "Observation.ndjson"), "{\"resourceType\":");
        Directory.CreateDirectory(Path.Combine(node.ExportDirectory, "no-record"));

        await node.RestartHttpAsync();

        var again = await node.Client.GetAsync(status);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var manifest = JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(3, (await DownloadAsync(node, manifest.GetProperty("output")[0])).Count);
        Assert.Equal(2, before.GetProperty("output")[0].GetProperty("count").GetInt64());
        var interrupted = await node.Client.GetAsync($"$export-status/{interruptedId}");
        Assert.Equal(HttpStatusCode.InternalServerError, interrupted.StatusCode);
        Assert.Contains("restarted", (await FhirTestNode.OutcomeAsync(interrupted)).Issue[0].Diagnostics, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(interruptedDirectory, "Observation.ndjson")));
        Assert.False(Directory.Exists(Path.Combine(node.ExportDirectory, "no-record")));
    }

    [Fact]
    public void A_job_record_round_trips()
    {
        var record = new ExportJobRecord("0123abcd", "http://localhost/fhir/$export?_type=Patient", new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero),
            "client-1", new DateTimeOffset(2026, 1, 2, 3, 5, 0, TimeSpan.Zero), null, [new ExportFile("Patient", "Patient.ndjson", 12)]);
        using var directory = new TempDirectory();

        record.Write(directory.Path);
        var read = ExportJobRecord.Read(directory.Path)!;

        Assert.Equal(record with { Files = [] }, read with { Files = [] });
        Assert.Equal(record.Files, read.Files);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory.Path, ExportJobRecord.FileName)));
        }
    }
}
