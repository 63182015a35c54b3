using CareLedger.Fhir.Errors;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;

namespace CareLedger.Tests.Fhir;

/// <summary>
/// Two group commits under way at once (ADR 0021): many writers at once, some of them updating the same resource, must
/// leave every acknowledged write stored once, each resource's versions contiguous, and the ledger verifying.
/// </summary>
public sealed class GroupCommitPipelineTests
{
    [Fact]
    public async System.Threading.Tasks.Task Concurrent_creates_and_updates_of_one_resource_keep_every_acknowledged_version_and_the_ledger_verifies()
    {
        await using var node = await FhirTestNode.StartAsync();
        var service = node.Service;
        var patient = (await service.CreateAsync(FhirTestNode.System, new Patient { Gender = AdministrativeGender.Female }, null, CancellationToken.None)).Id;
        var shared = (await service.CreateAsync(FhirTestNode.System, Observation(patient, "shared 0"), null, CancellationToken.None)).Id;
        var before = service.Repository.GroupCommits;

        var creates = Enumerable.Range(0, 80).Select(i => System.Threading.Tasks.Task.Run(() =>
            service.CreateAsync(FhirTestNode.System, Observation(patient, $"create {i}"), null, CancellationToken.None))).ToList();
        var updates = Enumerable.Range(0, 4).Select(u => System.Threading.Tasks.Task.Run(async () =>
        {
            var outcomes = new List<(int Version, string Text)>();
            var conflicts = 0;
            for (var i = 0; i < 8; i++)
            {
                var text = $"update {u}.{i}";
                var update = Observation(patient, text);
                update.Id = shared;
                try
                {
                    outcomes.Add(((await service.UpdateAsync(FhirTestNode.System, "Observation", shared, update, null, CancellationToken.None)).Version, text));
                }
                catch (FhirProblemException e) when (e.Status == StatusCodes.Status409Conflict)
                {
                    conflicts++; // judged on a version another writer replaced meanwhile: nothing stored
                }
            }

            return (outcomes, conflicts);
        })).ToList();
        var created = await System.Threading.Tasks.Task.WhenAll(creates);
        var updated = await System.Threading.Tasks.Task.WhenAll(updates);

        Assert.Equal(80, created.Select(c => c.Id).Distinct().Count());
        foreach (var c in created)
        {
            Assert.Equal((201, 1), (c.Status, c.Version));
            Assert.NotNull(service.Repository.Head("Observation", c.Id));
        }

        var acknowledged = updated.SelectMany(u => u.outcomes).ToList();
        Assert.Equal(32, acknowledged.Count + updated.Sum(u => u.conflicts));
        Assert.NotEmpty(acknowledged);
        // Each acknowledged update is its own version, the versions contiguous from 2, and each reads back as written.
        Assert.Equal(Enumerable.Range(2, acknowledged.Count), acknowledged.Select(a => a.Version).Order());
        var history = service.Repository.History("Observation", shared);
        Assert.Equal(Enumerable.Range(1, acknowledged.Count + 1).Reverse(), history.Select(h => h.Version));
        foreach (var (version, text) in acknowledged)
        {
            var read = FhirSerializationOf(node, shared, version);
            Assert.Equal(text, read.Code.Text);
        }

        var groups = service.Repository.GroupCommits - before;
        // Every write reached the commit loop once (the conflicting ones too, refused at their stage).
        Assert.InRange(groups.Records, 80 + acknowledged.Count, 80 + 32);
        var verify = await node.CloseAndVerifyLedgerAsync();
        Assert.Null(verify.FirstProblem);
    }

    private static Observation Observation(string patient, string text) => new()
    {
        Status = ObservationStatus.Final,
        Code = new CodeableConcept { Text = text },
        Subject = new ResourceReference($"Patient/{patient}"),
    };

    private static Observation FhirSerializationOf(FhirTestNode node, string id, int version) =>
        (Observation)CareLedger.Fhir.Validation.FhirSerialization.ParseJson(
            node.Service.Repository.ReadVersion(FhirTestNode.System, "Observation", id, version)!.Json);
}
