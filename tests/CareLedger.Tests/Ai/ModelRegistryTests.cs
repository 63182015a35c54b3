using System.Net;
using System.Text;
using CareLedger.Ai.Data;
using CareLedger.Ai.Registry;
using CareLedger.Ai.Training;
using CareLedger.Analytics.Deployment;
using CareLedger.Analytics.Registry;
using CareLedger.Analytics.Training;
using CareLedger.Cli;
using CareLedger.Ledger.Transactions;
using CareLedger.Tests.Fhir;

namespace CareLedger.Tests.Ai;

[Collection(AiCollection.Name)]
public sealed class ModelRegistryTests(AiTestHost host)
{
    [Fact]
    public async Task A_model_whose_file_changed_after_registration_is_refused_everywhere()
    {
        var model = await TrainAsync("1.0.0", "pima-tampered");
        var patient = AiTestHost.PatientOfRow(0);
        using var clinician = host.Clinician();
        Assert.Equal(HttpStatusCode.OK, (await clinician.GetAsync($"fhir/Patient/{patient}/$predict?model={model.Id}")).StatusCode);
        var original = await File.ReadAllBytesAsync(model.ModelPath);
        var changed = (byte[])original.Clone();
        changed[^1] ^= 0x01;
        await File.WriteAllBytesAsync(model.ModelPath, changed);
        try
        {
            var verification = host.Services.Registry.Verify(model.Id);
            Assert.False(verification.Intact);
            Assert.Contains(verification.Problems, p => p.Contains("changed after registration", StringComparison.Ordinal));
            Assert.Throws<ModelIntegrityException>(() => host.Services.Registry.OpenForServing(model.Id));
            var refused = await clinician.GetAsync($"fhir/Patient/{patient}/$predict?model={model.Id}");
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains("refused", string.Join(" ", (await FhirTestNode.OutcomeAsync(refused)).Issue.Select(i => i.Diagnostics)), StringComparison.Ordinal);
            var viaCds = await clinician.PostAsync($"cds-services/{model.Card.Name}-patient-view",
                AiTestHost.Json($$"""{"hook":"patient-view","hookInstance":"{{Guid.NewGuid()}}","context":{"userId":"Practitioner/{{AiTestHost.TreatingPractitioner}}","patientId":"{{patient}}"} }"""));
            Assert.Equal(HttpStatusCode.NotFound, viaCds.StatusCode);
        }
        finally
        {
            await File.WriteAllBytesAsync(model.ModelPath, original);
        }

        Assert.True(host.Services.Registry.Verify(model.Id).Intact);
        Assert.Equal(HttpStatusCode.OK, (await clinician.GetAsync($"fhir/Patient/{patient}/$predict?model={model.Id}")).StatusCode);
    }

    [Fact]
    public async Task An_edited_card_is_refused_because_it_is_not_the_one_anchored()
    {
        var model = await TrainAsync("edited-card");
        var card = await File.ReadAllBytesAsync(model.CardPath);
        // Not even a card any more: an unknown member.
        var edited = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(card).Replace("\"meanAuroc\":", "\"x\":1,\"meanAuroc\":", StringComparison.Ordinal));
        var relaxed = (model.Card with { Metrics = model.Card.Metrics with { MeanAuroc = 0.999 } }).ToCanonicalJson();
        await File.WriteAllBytesAsync(model.CardPath, relaxed);

        var verification = host.Services.Registry.Verify(model.Id);

        Assert.Contains(verification.Problems, p => p.Contains("not the one registered on the ledger", StringComparison.Ordinal));
        Assert.Throws<ModelIntegrityException>(() => host.Services.Registry.OpenForServing(model.Id));
        await File.WriteAllBytesAsync(model.CardPath, edited);
        Assert.Throws<ModelIntegrityException>(() => host.Services.Registry.OpenForServing(model.Id));
        await File.WriteAllBytesAsync(model.CardPath, card);
        Assert.True(host.Services.Registry.Verify(model.Id).Intact);
    }

    [Fact]
    public async Task A_model_below_the_gate_serves_only_after_a_signed_override_is_recorded_on_the_ledger()
    {
        var model = await TrainAsync("gated");
        using var strict = new ModelRegistry(host.Services.Registry.Directory, host.Node.Ledger, new GatePolicy { MinAuroc = 0.999 });

        var before = strict.Verify(model.Id);
        Assert.True(before.Intact);
        Assert.False(before.Deployable);
        Assert.Throws<ModelNotDeployableException>(() => strict.OpenForServing(model.Id));

        var recorded = await strict.OverrideAsync(model.Id, "pilot under clinical supervision", host.Node.Ledger.Keys.Organisation, CancellationToken.None);

        Assert.Equal(before.Gate.Reasons, recorded.FailedCriteria);
        var anchor = Assert.IsType<AnchorPayload>(TransactionPayloads.Decode(host.Node.Ledger.ReadTransaction(recorded.LeafIndex).Transaction));
        Assert.Equal("model-gate-override", anchor.Kind);
        var after = strict.Verify(model.Id);
        Assert.True(after.Deployable);
        Assert.False(after.Gate.Passed);
        Assert.Equal(host.Node.Ledger.Keys.Organisation.Id.ToString(), after.Gate.Override!.Actor);
        Assert.Equal(model.Id, strict.OpenForServing(model.Id).Id);

        // A stricter policy fails on a criterion the override did not cover: refused again.
        using var stricter = new ModelRegistry(host.Services.Registry.Directory, host.Node.Ledger, new GatePolicy { MinAuroc = 0.9999 });
        Assert.Throws<ModelNotDeployableException>(() => stricter.OpenForServing(model.Id));
    }

    [Fact]
    public async Task A_forged_override_is_refused()
    {
        var model = await TrainAsync("forged-override");
        using var strict = new ModelRegistry(host.Services.Registry.Directory, host.Node.Ledger, new GatePolicy { MinAuroc = 0.999 });
        await strict.OverrideAsync(model.Id, "pilot", host.Node.Ledger.Keys.Organisation, CancellationToken.None);
        var path = Path.Combine(model.Directory, ModelRegistry.RegistrationFile);
        var registration = ModelRegistration.Parse(await File.ReadAllBytesAsync(path));

        await File.WriteAllBytesAsync(path, (registration with { Override = registration.Override! with { Reason = "someone else's reason" } }).ToJson());

        var verification = strict.Verify(model.Id);
        Assert.Contains(verification.Problems, p => p.Contains("override does not verify", StringComparison.Ordinal));
        Assert.False(verification.Deployable);
        Assert.Throws<ModelIntegrityException>(() => strict.OpenForServing(model.Id));
    }

    [Fact]
    public async Task Overriding_a_model_that_passes_the_gate_is_refused()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            host.Services.Registry.OverrideAsync(AiTestHost.ModelId, "no need", host.Node.Ledger.Keys.Organisation, CancellationToken.None));

        Assert.Contains("nothing to override", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bare_name_resolves_to_its_latest_version_and_an_unknown_model_is_named()
    {
        Assert.Equal(AiTestHost.ModelId, host.Services.Registry.Get(AiTestHost.ModelName).Id);
        var e = Assert.Throws<ModelNotFoundException>(() => host.Services.Registry.Get("no-such-model@1.0.0"));
        Assert.Contains("no-such-model@1.0.0", e.Message, StringComparison.Ordinal);
    }

    private async Task<RegisteredModel> TrainAsync(string version, string name = "pima-registry")
    {
        var result = await host.Services.Training.TrainAsync(ModelCommands.Researcher(host.Node),
            new TrainingRequest(FeatureSets.Pima, ModelKind.LogisticRegression, name, version, Folds: 3), CancellationToken.None);
        return result.Model;
    }
}
