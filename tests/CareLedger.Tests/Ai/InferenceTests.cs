using System.Net;
using CareLedger.Access.Audit;
using CareLedger.Access.Gate;
using CareLedger.Ai.Data;
using CareLedger.Ai.Inference;
using CareLedger.Cli;
using CareLedger.Fhir.Validation;
using CareLedger.Ledger.Transactions;
using CareLedger.Tests.Fhir;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Tests.Ai;

[Collection(AiCollection.Name)]
public sealed class InferenceTests(AiTestHost host)
{
    [Fact]
    public async Task A_clinician_with_a_treatment_consent_gets_an_explained_risk_assessment()
    {
        var patient = AiTestHost.PatientOfRow(0);
        using var clinician = host.Clinician();

        var response = await clinician.GetAsync($"fhir/Patient/{patient}/$predict?model={AiTestHost.ModelName}");

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var assessment = await FhirTestNode.ReadAsync<RiskAssessment>(response);
        Assert.Equal($"Patient/{patient}", assessment.Subject?.Reference);
        Assert.Equal(AiTestHost.ModelId, assessment.Method?.Coding[0].Code);
        var expected = ExpectedProbability(0);
        Assert.Equal(expected, Probability(assessment), 5);
        // Row 0's insulin is 0 ("not measured" in Pima): no Observation, imputed, and said so.
        Assert.Equal(7, assessment.Basis.Count);
        Assert.Contains("insulin", assessment.Note[0].Text, StringComparison.Ordinal);
        var contributions = assessment.Extension.Where(e => e.Url == PredictionResources.ContributionExtension).ToList();
        Assert.Equal(FeatureSets.Pima.Features.Count, contributions.Count);
        var magnitudes = contributions.Select(c => Math.Abs((double)Part<FhirDecimal>(c, "contribution").Value!.Value)).ToList();
        Assert.Equal(magnitudes.OrderByDescending(m => m), magnitudes);
        var glucose = contributions.Single(c => Part<FhirString>(c, "feature").Value == "glucose");
        Assert.Equal(148m, Part<FhirDecimal>(glucose, "value").Value);
        Assert.Equal("1518-0", Part<Coding>(glucose, "code").Code);
        var model = Root(assessment, PredictionResources.ModelExtension);
        Assert.Equal(host.Trained.Model.Card.ModelSha256, Part<FhirString>(model, "sha256").Value);
        Assert.Equal("linear-exact", Part<Code>(model, "explanation").Value);
    }

    [Fact]
    public async Task Each_prediction_is_anchored_on_the_ledger_and_its_receipt_is_served()
    {
        var patient = AiTestHost.PatientOfRow(1);
        using var clinician = host.Clinician();

        var assessment = await FhirTestNode.ReadAsync<RiskAssessment>(await clinician.GetAsync($"fhir/Patient/{patient}/$predict?model={AiTestHost.ModelId}"));

        var anchor = Root(assessment, PredictionResources.AnchorExtension);
        var transaction = Part<FhirString>(anchor, "transaction").Value!;
        var receiptUrl = Part<FhirUrl>(anchor, "receipt").Value;
        Assert.Equal(new Uri(host.BaseAddress, $"ledger/receipts/{transaction}").AbsoluteUri, receiptUrl);
        var receipt = await host.Anonymous().GetAsync($"ledger/receipts/{transaction}?waitMs=5000");
        Assert.Equal(HttpStatusCode.OK, receipt.StatusCode);
        Assert.True(host.Node.Ledger.State.TryGetLeafIndex(TxId.Parse(transaction), out var leaf));
        var payload = Assert.IsType<AnchorPayload>(TransactionPayloads.Decode(host.Node.Ledger.ReadTransaction(leaf).Transaction));
        Assert.Equal("inference", payload.Kind);
        var proof = host.Services.Log.Prove(transaction, host.Node.Ledger);
        Assert.True(proof.Matches, proof.Problem);
        Assert.Equal(payload.Digest, proof.Opening.Digest());
        Assert.Equal(host.Trained.Model.Card.ModelSha256, proof.Opening.ModelSha256);
        Assert.Equal(Probability(assessment), proof.Opening.Probability, 6);
        // The ledger holds only a digest: the salt hides the inputs.
        Assert.NotEqual(InferenceCommitment.Input(new byte[32], proof.Opening.FeatureVector()), proof.Opening.InputCommitment());
    }

    [Fact]
    public async Task Post_ai_predict_answers_as_the_fhir_operation_does()
    {
        var patient = AiTestHost.PatientOfRow(2);
        using var clinician = host.Clinician();

        var response = await clinician.PostAsync("ai/predict", AiTestHost.Json($$"""{"model":"{{AiTestHost.ModelId}}","patient":"Patient/{{patient}}"}"""));

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var assessment = await FhirTestNode.ReadAsync<RiskAssessment>(response);
        Assert.Equal(ExpectedProbability(2), Probability(assessment), 5);
    }

    [Fact]
    public async Task An_inference_without_a_treatment_consent_is_refused_and_audited()
    {
        // Row 5 (1-based) gave no treatment consent.
        var patient = AiTestHost.PatientOfRow(4);
        var before = host.Services.Log.CountFor(AiTestHost.ModelId);
        using var clinician = host.Clinician();

        var response = await clinician.GetAsync($"fhir/Patient/{patient}/$predict?model={AiTestHost.ModelId}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var outcome = await FhirTestNode.OutcomeAsync(response);
        Assert.Contains("withheld", outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
        var pseudonym = host.Node.Gate.PseudonymOf(patient)!;
        var audit = await host.AuditOfAsync($"acct-{AiTestHost.TreatingPractitioner}");
        var refusal = Assert.Single(audit, e => e.Record.Patient is { } p && p.AsSpan().SequenceEqual(pseudonym));
        Assert.Equal((AuditOutcome.Deny, AccessAction.Use, PurposeDefaults.Treatment), (refusal.Record.Outcome, refusal.Record.Action, refusal.Record.Purpose));
        Assert.True(refusal.Record.Withheld > 0);
        Assert.Equal(0, refusal.Record.Disclosed);
        Assert.Equal(before, host.Services.Log.CountFor(AiTestHost.ModelId));
    }

    [Fact]
    public async Task A_clinician_whom_no_consent_names_is_refused()
    {
        using var stranger = host.Clinician(AiTestHost.OtherPractitioner);

        var response = await stranger.GetAsync($"fhir/Patient/{AiTestHost.PatientOfRow(0)}/$predict?model={AiTestHost.ModelId}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var audit = await host.AuditOfAsync($"acct-{AiTestHost.OtherPractitioner}");
        Assert.Contains(audit, e => e.Record.Outcome == AuditOutcome.Deny && e.Record.Action == AccessAction.Use);
    }

    [Fact]
    public async Task A_treatment_model_does_not_answer_a_research_purpose()
    {
        using var researcher = host.Researcher();
        using var clinician = host.Clinician();
        using var forResearch = new HttpRequestMessage(HttpMethod.Get, $"fhir/Patient/{AiTestHost.PatientOfRow(0)}/$predict?model={AiTestHost.ModelId}");
        forResearch.Headers.Add("CareLedger-Purpose-Of-Use", "HRESCH");

        var byResearcher = await researcher.GetAsync($"fhir/Patient/{AiTestHost.PatientOfRow(0)}/$predict?model={AiTestHost.ModelId}");
        var byClinicianForResearch = await clinician.SendAsync(forResearch);

        Assert.Equal(HttpStatusCode.Forbidden, byResearcher.StatusCode);
        Assert.Contains("intended for treatment", (await FhirTestNode.OutcomeAsync(byResearcher)).Issue[0].Diagnostics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, byClinicianForResearch.StatusCode);
        Assert.Contains("intended for purpose TREAT; this request is for HRESCH", (await FhirTestNode.OutcomeAsync(byClinicianForResearch)).Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fhir/Patient/{0}/$predict?model=no-such-model", HttpStatusCode.NotFound, "no registered model")]
    [InlineData("fhir/Patient/{0}/$predict", HttpStatusCode.BadRequest, "name the model")]
    [InlineData("fhir/Patient/no-such-patient/$predict?model=pima-test", HttpStatusCode.NotFound, "does not exist")]
    public async Task Bad_requests_are_answered_with_an_operation_outcome(string url, HttpStatusCode status, string message)
    {
        using var clinician = host.Clinician();

        var response = await clinician.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, url, AiTestHost.PatientOfRow(0)));

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(message, (await FhirTestNode.OutcomeAsync(response)).Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prediction_needs_a_bearer_token()
    {
        var response = await host.Anonymous().PostAsync("ai/predict", AiTestHost.Json($$"""{"model":"{{AiTestHost.ModelId}}","patient":"x"}"""));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task An_onnx_model_is_registered_on_consented_data_and_served_through_the_same_operation()
    {
        // Pima logistic coefficients on the raw scale (about what scikit-learn fits), as an institution's ONNX file.
        float[] weights = [0.123f, 0.0352f, -0.0133f, 0.0006f, -0.0012f, 0.0897f, 0.945f, 0.0149f];
        const float bias = -8.40f;
        var onnx = OnnxModelBuilder.Logistic(weights, bias);
        var registered = await host.Services.Training.RegisterOnnxAsync(ModelCommands.Researcher(host.Node), FeatureSets.Pima, onnx, "pima-onnx", "1.0.0", CancellationToken.None);
        Assert.Equal(CareLedger.Analytics.Training.ModelKind.Onnx, registered.Model.Card.Kind);
        Assert.Equal(1, registered.Model.Card.Metrics.Folds);
        Assert.True(registered.Model.Card.Cohort!.ExcludedIncomplete > 0, "rows with a missing value cannot be scored by an ONNX model");
        using var clinician = host.Clinician();

        // Row 4 (1-based) is complete: 1, 89, 66, 23, 94, 28.1, 0.167, 21.
        var response = await clinician.GetAsync($"fhir/Patient/{AiTestHost.PatientOfRow(3)}/$predict?model=pima-onnx");

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var assessment = await FhirTestNode.ReadAsync<RiskAssessment>(response);
        float[] row = [1, 89, 66, 23, 94, 28.1f, 0.167f, 21];
        var logit = bias + row.Select((x, i) => x * weights[i]).Sum();
        Assert.Equal(1 / (1 + Math.Exp(-logit)), Probability(assessment), 5);
        Assert.Equal("none", Part<Code>(Root(assessment, PredictionResources.ModelExtension), "explanation").Value);
        var incomplete = await clinician.GetAsync($"fhir/Patient/{AiTestHost.PatientOfRow(0)}/$predict?model=pima-onnx");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, incomplete.StatusCode);
        Assert.Contains("insulin", (await FhirTestNode.OutcomeAsync(incomplete)).Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_diagnostic_model_answers_with_a_diagnostic_report_whose_observation_holds_the_explained_probability()
    {
        var patient = AiTestHost.WdbcPatientOfRow(0);
        using var clinician = host.Clinician();

        var response = await clinician.GetAsync($"fhir/Patient/{patient}/$predict?model={AiTestHost.DiagnosticModelName}");

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var report = await FhirTestNode.ReadAsync<DiagnosticReport>(response);
        Assert.Equal($"Patient/{patient}", report.Subject?.Reference);
        Assert.Equal(("http://terminology.hl7.org/CodeSystem/v2-0074", "CP"), (report.Category[0].Coding[0].System, report.Category[0].Coding[0].Code));
        Assert.Equal(FeatureSets.Wdbc.Outcome.Code, report.Code.Coding[0].Code);
        var observation = Assert.IsType<Observation>(Assert.Single(report.Contained));
        Assert.Equal("#" + observation.Id, Assert.Single(report.Result).Reference);
        var expected = ExpectedProbability(FeatureSets.Wdbc, AiTestHost.DiagnosticModelId, 0);
        var probability = Assert.IsType<Quantity>(observation.Value);
        Assert.Equal(("1", "http://unitsofmeasure.org"), (probability.Code, probability.System));
        Assert.Equal(expected, (double)probability.Value!.Value, 5);
        // Row 1 of WDBC is malignant, and the model says so: positive at the card's threshold.
        Assert.Equal(expected >= 0.5 ? "POS" : "NEG", observation.Interpretation[0].Coding[0].Code);
        Assert.Equal("POS", observation.Interpretation[0].Coding[0].Code);
        Assert.Equal(30, observation.DerivedFrom.Count);
        Assert.Equal(AiTestHost.DiagnosticModelId, observation.Method?.Coding[0].Code);
        Assert.Equal(30, report.Extension.Count(e => e.Url == PredictionResources.ContributionExtension));
        Assert.Contains("Largest contributions", report.Conclusion, StringComparison.Ordinal);
        Assert.NotNull(Root(report, PredictionResources.AnchorExtension));
    }

    [Fact]
    public async Task Both_kinds_of_answer_are_valid_fhir_r4()
    {
        using var clinician = host.Clinician();

        var risk = await FhirTestNode.ReadAsync<RiskAssessment>(await clinician.GetAsync($"fhir/Patient/{AiTestHost.PatientOfRow(5)}/$predict?model={AiTestHost.ModelId}"));
        var report = await FhirTestNode.ReadAsync<DiagnosticReport>(await clinician.GetAsync($"fhir/Patient/{AiTestHost.WdbcPatientOfRow(5)}/$predict?model={AiTestHost.DiagnosticModelId}"));

        Assert.Empty(ResourceValidator.Shared.Errors(risk).Select(i => i.Diagnostics));
        Assert.Empty(ResourceValidator.Shared.Errors(report).Select(i => i.Diagnostics));
    }

    [Fact]
    public async Task A_system_token_has_no_treatment_relationship_so_it_gets_no_prediction_and_the_refusal_is_audited()
    {
        var patient = AiTestHost.PatientOfRow(6);
        var before = host.Services.Log.CountFor(AiTestHost.ModelId);
        using var system = host.System();

        var response = await system.GetAsync($"fhir/Patient/{patient}/$predict?model={AiTestHost.ModelId}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var outcome = await FhirTestNode.OutcomeAsync(response);
        Assert.Contains("no treatment relationship", outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
        var audit = await host.AuditOfAsync("ai-tests-system");
        var refusal = Assert.Single(audit, e => e.Record.Patient is { } p && p.AsSpan().SequenceEqual(host.Node.Gate.PseudonymOf(patient)!));
        Assert.Equal((AuditOutcome.Deny, AccessAction.Use), (refusal.Record.Outcome, refusal.Record.Action));
        Assert.Contains(refusal.Record.Id.ToString("D"), string.Join(" ", outcome.Issue.Select(i => i.Diagnostics)), StringComparison.Ordinal);
        Assert.StartsWith("AI inference ", refusal.Record.Detail, StringComparison.Ordinal);
        Assert.Equal(0, refusal.Record.Disclosed);
        Assert.Equal(before, host.Services.Log.CountFor(AiTestHost.ModelId));
    }

    [Fact]
    public async Task The_patients_access_log_names_each_inference_and_its_model_and_the_inference_can_be_proved_by_that_id()
    {
        var patient = AiTestHost.PatientOfRow(7);
        using var clinician = host.Clinician();
        var assessment = await FhirTestNode.ReadAsync<RiskAssessment>(await clinician.GetAsync($"fhir/Patient/{patient}/$predict?model={AiTestHost.ModelId}"));
        await host.Node.Audit.FlushAsync(CancellationToken.None);
        using var privacyOfficer = host.PrivacyOfficer();

        var log = await FhirTestNode.ReadAsync<Bundle>(await privacyOfficer.GetAsync($"fhir/AuditEvent?patient=Patient/{patient}"));

        var inference = assessment.Id!;
        var use = Assert.Single(log.Entry.Select(e => Assert.IsType<AuditEvent>(e.Resource)), e => e.Entity.Any(x => x.Description?.Contains(inference, StringComparison.Ordinal) == true));
        Assert.Contains($"by model {AiTestHost.ModelId}", string.Join(" ", use.Entity.Select(x => x.Description)), StringComparison.Ordinal);
        Assert.Equal($"Practitioner/{AiTestHost.TreatingPractitioner}", use.Agent[0].Who?.Reference?.Split("/fhir/")[^1]);
        var proof = host.Services.Log.Prove(inference, host.Node.Ledger);
        Assert.True(proof.Matches, proof.Problem);
        Assert.Equal(Part<FhirString>(Root(assessment, PredictionResources.AnchorExtension), "transaction").Value, proof.Transaction);
    }

    [Fact]
    public async Task Neither_the_ledger_nor_the_models_nor_the_inference_log_hold_a_patient_id_or_an_input_value_in_the_clear()
    {
        var patient = AiTestHost.PatientOfRow(8);
        using var clinician = host.Clinician();
        var assessment = await FhirTestNode.ReadAsync<RiskAssessment>(await clinician.GetAsync($"fhir/Patient/{patient}/$predict?model={AiTestHost.ModelId}"));
        Assert.Equal(8, assessment.Basis.Count);
        await host.Node.Audit.FlushAsync(CancellationToken.None);

        var data = host.Fhir.DataDirectory;
        var files = new[] { "log", "merkle", "checkpoints", "models" }.SelectMany(d => Directory.EnumerateFiles(Path.Combine(data, d), "*", SearchOption.AllDirectories))
            .Append(Path.Combine(data, "state.db")).Append(Path.Combine(data, "inferences.db")).ToList();
        // Row 9 (1-based) is complete; its glucose is 197, as the sealed feature vector holds it (big-endian float32).
        var glucose = BitConverter.GetBytes(197f).Reverse().ToArray();
        foreach (var file in files.Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(patient)) < 0, $"{patient} is readable in {Path.GetRelativePath(data, file)}");
            Assert.True(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes("demo-pima-")) < 0, $"a demo patient id is readable in {Path.GetRelativePath(data, file)}");
            Assert.True(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(assessment.Id!)) < 0 || file.EndsWith("inferences.db", StringComparison.Ordinal),
                $"the inference id is readable in {Path.GetRelativePath(data, file)}");
            if (file.EndsWith("inferences.db", StringComparison.Ordinal))
            {
                Assert.True(bytes.AsSpan().IndexOf(glucose) < 0, "the sealed opening leaks an input value");
            }
        }
    }

    private static double Probability(RiskAssessment assessment) => (double)Assert.IsType<FhirDecimal>(assessment.Prediction[0].Probability).Value!.Value;

    private static Extension Root(DomainResource resource, string url) => Assert.Single(resource.Extension, e => e.Url == url);

    private static T Part<T>(Extension parent, string part)
        where T : DataType => Assert.IsType<T>(Assert.Single(parent.Extension, e => e.Url == part).Value);

    private double ExpectedProbability(int row) => ExpectedProbability(FeatureSets.Pima, AiTestHost.ModelId, row);

    private double ExpectedProbability(FeatureSet set, string model, int row)
    {
        var table = DemoCohortLoader.ReadReference(set, AiCommands.ClinicalDataDirectory);
        return host.Services.Registry.OpenForServing(model).Predict(table.Rows[row].Features).Probability;
    }
}
