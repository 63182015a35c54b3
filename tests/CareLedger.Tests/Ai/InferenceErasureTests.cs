using CareLedger.Access.Callers;
using CareLedger.Access.Credentials;
using CareLedger.Access.Gate;
using CareLedger.Ai;
using CareLedger.Ai.Data;
using CareLedger.Ai.Training;
using CareLedger.Analytics.Deployment;
using CareLedger.Analytics.Training;
using CareLedger.Cli;
using CareLedger.Fhir;
using CareLedger.Ledger.Transactions;
using CareLedger.Tests.Fhir;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Tests.Ai;

/// <summary>GDPR Art. 17 and the AI: erasing a patient forgets the openings of their inferences; the anchors stay and verify.</summary>
public sealed class InferenceErasureTests
{
    [Fact]
    public async Task Erasing_a_patient_forgets_the_openings_of_their_inferences_and_leaves_the_anchors_on_the_ledger()
    {
        await using var fhir = await FhirTestNode.StartAsync();
        var node = fhir.Node;
        await fhir.Service.UpdateAsync(FhirTestNode.System, "Practitioner", "dr-erase", new Practitioner { Id = "dr-erase" }, null, CancellationToken.None);
        var board = await node.Credentials.EnsureIssuerKeyAsync(ct: CancellationToken.None);
        await node.Credentials.IssueAsync(board, "Practitioner/dr-erase", new PractitionerLicence("MED-ERASE", "internal medicine"), DateTimeOffset.UtcNow.AddYears(1), CancellationToken.None);
        await new DemoCohortLoader(fhir.Service, FhirTestNode.System).LoadAsync(FeatureSets.Pima,
            DemoCohortLoader.ReadReference(FeatureSets.Pima, AiCommands.ClinicalDataDirectory), 40, "Practitioner/dr-erase", null, CancellationToken.None);
        // The gate is not what this test is about: 36 patients make a weak model, which may serve here.
        using var ai = AiServices.Create(node, AiOptions.Default with { Gate = new GatePolicy { MinAuroc = 0, MaxEqualizedOddsDifference = null } });
        await ai.Training.TrainAsync(ModelCommands.Researcher(node), new TrainingRequest(FeatureSets.Pima, ModelKind.LogisticRegression, "pima-erase", "1.0.0", Folds: 3), CancellationToken.None);
        var clinician = new FhirCaller(new Accessor("acct-dr-erase", CareLedgerRole.Clinician, "Practitioner/dr-erase", "Test Hospital", null, AllScopes.Instance), AccessContext.Default);
        var erased = DemoCohortLoader.PatientId(FeatureSets.Pima, 0);
        var kept = DemoCohortLoader.PatientId(FeatureSets.Pima, 1);
        var ofErased = await ai.Inference.PredictAsync(clinician, "pima-erase", erased, "http://127.0.0.1", CancellationToken.None);
        var ofKept = await ai.Inference.PredictAsync(clinician, "pima-erase", kept, "http://127.0.0.1", CancellationToken.None);
        Assert.True(ai.Log.Prove(ofErased.Transaction, node.Ledger).Matches);

        await node.ErasePatientAsync(erased, CancellationToken.None);

        var forgotten = Assert.Throws<KeyNotFoundException>(() => ai.Log.Prove(ofErased.Transaction, node.Ledger));
        Assert.Contains("forgotten", forgotten.Message, StringComparison.Ordinal);
        Assert.True(ai.Log.Prove(ofKept.Id.ToString("D"), node.Ledger).Matches);
        Assert.True(node.Ledger.State.TryGetLeafIndex(TxId.Parse(ofErased.Transaction), out var leaf));
        Assert.Equal("inference", Assert.IsType<AnchorPayload>(TransactionPayloads.Decode(node.Ledger.ReadTransaction(leaf).Transaction)).Kind);
        Assert.Equal(1, ai.Log.CountFor("pima-erase@1.0.0"));
    }

    private sealed class AllScopes : IScopeCheck
    {
        public static readonly AllScopes Instance = new();

        public bool Permits(string resourceType, AccessAction action) => true;

        public string RequiredScope(string resourceType, AccessAction action) => $"user/{resourceType}.cruds";
    }
}
