using System.Globalization;
using System.Text.RegularExpressions;
using CareLedger.Access.Audit;
using CareLedger.Access.Gate;
using CareLedger.Ai.Data;
using CareLedger.Ledger.Receipts;
using CareLedger.Identity.Accounts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CareLedger.Tests.Portal;

/// <summary>
/// Issue 7, the clinician's AI risk panel (with the AI of issue 6): opening a chart predicts through the same inference
/// service as <c>/ai/predict</c> — inputs read through the door as this clinician, the prediction anchored on the ledger —
/// and the panel shows the risk, the model, the explanation per feature and a receipt that verifies offline.
/// </summary>
[Collection(PortalTestNode.Collection)]
public sealed partial class PortalRiskPanelTests(PortalTestNode portal)
{
    [Fact]
    public async Task A_clinician_sees_the_live_risk_its_model_its_explanation_and_a_receipt_that_verifies()
    {
        var modelId = await portal.EnsureRiskModelAsync();
        // Row 0 of the Pima demo patients has a treatment consent naming dr.bob's practitioner (DemoConsents).
        var patient = DemoCohortLoader.PatientId(FeatureSets.Pima, 0);
        var bob = await portal.SignInAsync("dr.bob");
        await bob.GotoAsync($"/portal/patients/{patient}");

        var prediction = bob.Locator($"[data-panel=ai-risk] article[data-model='{modelId}']");
        await Assertions.Expect(prediction).ToBeVisibleAsync();
        await Assertions.Expect(prediction.Locator("[data-field=risk]")).ToHaveTextAsync(RiskText());
        await Assertions.Expect(prediction.Locator("[data-field=model]")).ToHaveTextAsync(modelId);
        await Assertions.Expect(prediction).ToContainTextAsync("cross-validated AUROC");

        // The explanation: one row per measurement the model reads, largest contribution first, each with its effect.
        var rows = prediction.Locator("table[data-table=explanation] tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(FeatureSets.Pima.Features.Count);
        var features = await rows.Locator("th").AllTextContentsAsync();
        Assert.Equal(FeatureSets.Pima.FeatureNames.Order(StringComparer.Ordinal), features.Order(StringComparer.Ordinal));
        var contributions = (await rows.Locator("td:nth-child(3)").AllTextContentsAsync())
            .Select(t => Math.Abs(double.Parse(t, CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(contributions.OrderDescending(), contributions);
        Assert.Contains(contributions, c => c > 0);
        await PortalTestNode.ScreenshotAsync(bob, "clinician-risk-panel");

        // What the panel shows is what the ledger holds: the anchor opens to this model and this probability.
        var transaction = (await prediction.Locator("code").First.TextContentAsync())!.Trim();
        var proof = portal.Ai.Log.Prove(transaction, portal.Node.Ledger);
        Assert.True(proof.Matches, proof.Problem);
        Assert.Equal(modelId, proof.Opening.Model);
        Assert.Equal(proof.Opening.Probability.ToString("0.000", CultureInfo.InvariantCulture),
            await prediction.Locator("[data-field=probability]").TextContentAsync());

        // The receipt link, fetched in dr.bob's browser session, is a receipt of that anchor that verifies offline.
        var link = prediction.GetByRole(AriaRole.Link, new() { Name = "download the ledger receipt" });
        var response = await bob.APIRequest.GetAsync((await link.GetAttributeAsync("href"))!);
        Assert.Equal(200, response.Status);
        var receipt = Receipts.Parse(await response.TextAsync());
        Assert.Equal(proof.LeafIndex, receipt.LeafIndex);
        var verification = Receipts.Verify(receipt, [portal.Node.Ledger.Keys.Log.VerifierKey]);
        Assert.True(verification.Valid, verification.Error);

        // The use of the patient's records is a permitted decision of the door, by dr.bob, naming this inference.
        await portal.Node.Audit.FlushAsync(CancellationToken.None);
        var uses = portal.Node.Audit.Query(new AuditQuery
        {
            Patient = portal.Node.Gate.PseudonymOf(patient),
            Action = AccessAction.Use,
            Limit = AuditQuery.MaxLimit,
        });
        var use = Assert.Single(uses, u => u.Record.Detail?.Contains(proof.Opening.InferenceId.ToString("D"), StringComparison.Ordinal) == true);
        Assert.Equal(AuditOutcome.Permit, use.Record.Outcome);
        Assert.Equal(CareLedgerRole.Clinician, use.Record.AccessorRole);
        Assert.Equal($"Practitioner/{portal.PractitionerId}", use.Record.AccessorReference);
    }

    [Fact]
    public async Task A_prediction_from_part_of_the_inputs_says_what_was_imputed()
    {
        var modelId = await portal.EnsureRiskModelAsync();
        var bob = await portal.SignInAsync("dr.bob");
        // alice (a Synthea patient) has a body-mass index and a diastolic pressure on record, but no glucose load test,
        // pregnancy count, skin fold, insulin, pedigree score or age Observation: the model imputes them, and says so.
        await bob.GotoAsync($"/portal/patients/{portal.PatientId}");
        var prediction = bob.Locator($"[data-panel=ai-risk] article[data-model='{modelId}']");
        await Assertions.Expect(prediction).ToBeVisibleAsync();
        var imputed = prediction.Locator("[data-field=imputed]");
        await Assertions.Expect(imputed).ToContainTextAsync("glucose");
        await Assertions.Expect(imputed).Not.ToContainTextAsync("mass");
        await Assertions.Expect(prediction.Locator("table[data-table=explanation] tbody tr", new() { HasText = "not recorded (imputed)" })).Not.ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_patient_sees_the_assessment_on_her_timeline_with_its_model_its_prediction_and_what_weighed_most()
    {
        var modelId = await portal.EnsureRiskModelAsync();
        // Row 1 of the Pima demo patients: a treatment consent names dr.bob; she gets an account of her own.
        var patient = DemoCohortLoader.PatientId(FeatureSets.Pima, 1);
        await portal.Services.GetRequiredService<IdentityStore>()
            .AddUserAsync(new NewUser("pima.one", CareLedgerRole.Patient, $"Patient/{patient}", "pima.one-demo"), CancellationToken.None);
        var bob = await portal.SignInAsync("dr.bob");
        await bob.GotoAsync($"/portal/patients/{patient}");
        var prediction = bob.Locator($"[data-panel=ai-risk] article[data-model='{modelId}']");
        await Assertions.Expect(prediction).ToBeVisibleAsync();
        var transaction = (await prediction.Locator("code").First.TextContentAsync())!.Trim();
        var proof = portal.Ai.Log.Prove(transaction, portal.Node.Ledger);
        Assert.True(proof.Matches, proof.Problem);
        var topFeature = (await prediction.Locator("table[data-table=explanation] tbody tr th").First.TextContentAsync())!.Trim();

        // She opens her records: the prediction is one of them (stored through the door, read through it as her).
        var her = await portal.SignInAsync("pima.one");
        await her.GotoAsync("/portal/records");
        var assessments = her.Locator("tr[data-kind='AI assessment']");
        await Assertions.Expect(assessments).ToHaveCountAsync(1);
        var entry = assessments.First;
        await Assertions.Expect(entry).ToContainTextAsync("pima-portal 1.0.0 (logistic regression)");
        await Assertions.Expect(entry).ToContainTextAsync($"probability {proof.Opening.Probability.ToString("0%", CultureInfo.InvariantCulture)}");
        await Assertions.Expect(entry.Locator("[data-field=requested]")).ToHaveTextAsync("Requested by a clinician.");
        var factors = entry.Locator("[data-field=factors] li");
        await Assertions.Expect(factors).ToHaveCountAsync(3);
        var topCode = CareLedger.Portal.Records.PatientTimeline.PlainName(FeatureSets.Pima.Features.Single(f => f.Name == topFeature).Code.Display);
        Assert.DoesNotContain("[", topCode, StringComparison.Ordinal);
        await Assertions.Expect(factors.First).ToContainTextAsync(topCode);
        await Assertions.Expect(factors.First).ToHaveTextAsync(new Regex("(raised|lowered) the risk|made no difference"));
        await PortalTestNode.ScreenshotAsync(her, "patient-ai-assessment");

        // The record is the inference's: its id, anchored by the transaction the clinician's panel showed.
        var stored = portal.Node.Fhir.Read(CareLedger.Fhir.FhirCaller.Custodian(portal.Node.Config.OrganisationName, "portal-tests"), "RiskAssessment", proof.Opening.InferenceId.ToString("D"));
        Assert.Contains(transaction, System.Text.Encoding.UTF8.GetString(stored.Json), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^(High|Moderate|Low) risk \(\d+%\)$")]
    private static partial Regex RiskText();
}
