using CareLedger.Access.Audit;
using CareLedger.Access.Gate;
using CareLedger.Ai;
using CareLedger.Ai.Data;
using CareLedger.Ai.Registry;
using CareLedger.Ai.Training;
using CareLedger.Analytics.Registry;
using CareLedger.Cli;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Tests.Ai;

[Collection(AiCollection.Name)]
public sealed class ConsentedTrainingTests(AiTestHost host)
{
    // Rows 10, 20, ..., 60 (1-based) declined research use.
    private static readonly int[] Declined = [9, 19, 29, 39, 49, 59];

    [Fact]
    public void A_patient_without_research_consent_is_counted_as_excluded_on_the_card()
    {
        var cohort = host.Trained.Model.Card.Cohort!;

        Assert.Equal(new TrainingCohort(PurposeDefaults.Research, AiTestHost.Rows, AiTestHost.Rows - Declined.Length, Declined.Length, 0, 0), cohort);
    }

    [Fact]
    public void A_patient_without_research_consent_is_in_no_training_set()
    {
        var reader = new CohortReader(host.Node.Fhir, host.Node.Vault, host.Node.Ledger);

        var cohort = reader.Read(ModelCommands.Researcher(host.Node), FeatureSets.Pima, requireAllFeatures: false, CancellationToken.None);

        var excluded = Declined.Select(AiTestHost.PatientOfRow).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(AiTestHost.Rows - Declined.Length, cohort.Rows.Count);
        Assert.DoesNotContain(cohort.Rows, r => excluded.Contains(r.PatientKey));
        Assert.Contains(cohort.Rows, r => r.PatientKey == AiTestHost.PatientOfRow(0));
        // The card commits to the records in its manifest, and those are the records of the included patients only.
        var trained = ModelRegistry.TrainingRecords(host.Trained.Model);
        Assert.True(host.Trained.Model.Card.TrainingData.Matches(trained));
        Assert.Equal(cohort.Records().Select(r => Convert.ToHexString(r.RecordCommitment)), trained.Select(r => Convert.ToHexString(r.RecordCommitment)));
        var excludedCommitments = ExcludedCommitments(excluded);
        Assert.NotEmpty(excludedCommitments);
        Assert.DoesNotContain(trained, r => excludedCommitments.Contains(Convert.ToHexString(r.RecordCommitment)));
    }

    [Fact]
    public async Task The_door_audits_each_excluded_patient_as_a_denied_research_use()
    {
        var entries = (await host.AuditOfAsync(ModelCommands.ResearcherSubject)).Where(e => e.Record.Action == AccessAction.Use).ToList();

        var denied = entries.Where(e => e.Record.Outcome == AuditOutcome.Deny).ToList();
        Assert.True(denied.Count >= 2 * Declined.Length, $"{denied.Count} denials");
        Assert.All(entries, e => Assert.Equal(PurposeDefaults.Research, e.Record.Purpose));
        // Both fixtures' training runs read as this researcher: the Pima and the WDBC patients who declined.
        var excludedPseudonyms = Declined.SelectMany(r => new[] { AiTestHost.PatientOfRow(r), AiTestHost.WdbcPatientOfRow(r) })
            .Select(p => Convert.ToHexString(host.Node.Gate.PseudonymOf(p)!)).ToHashSet();
        Assert.All(denied, e => Assert.Contains(Convert.ToHexString(e.Record.Patient!), excludedPseudonyms));
    }

    [Fact]
    public async Task Every_training_record_is_named_by_its_ledger_commitment_and_the_decision_that_released_it()
    {
        var reader = new CohortReader(host.Node.Fhir, host.Node.Vault, host.Node.Ledger);
        var cohort = reader.Read(ModelCommands.Researcher(host.Node), FeatureSets.Pima, requireAllFeatures: false, CancellationToken.None);
        await host.Node.Audit.FlushAsync(CancellationToken.None);

        var first = cohort.Rows[0];
        Assert.All(first.Records, r => Assert.StartsWith("AuditEvent/", r.ConsentReference, StringComparison.Ordinal));
        var decision = host.Node.Audit.Find(Guid.Parse(first.Records[0].ConsentReference["AuditEvent/".Length..]));
        Assert.NotNull(decision);
        Assert.Equal(AuditOutcome.Permit, decision.Record.Outcome);
        Assert.Equal((AccessAction.Use, PurposeDefaults.Research), (decision.Record.Action, decision.Record.Purpose));
        var ledgerCommitments = AllCommitments();
        Assert.All(cohort.Records(), r => Assert.Contains(Convert.ToHexString(r.RecordCommitment), ledgerCommitments));
    }

    [Fact]
    public void The_card_is_anchored_on_the_ledger_with_its_digest_and_the_model_id()
    {
        var model = host.Trained.Model;

        var anchor = host.Node.Ledger.ReadTransaction(model.Registration.LeafIndex).Transaction;

        var payload = Assert.IsType<AnchorPayload>(TransactionPayloads.Decode(anchor));
        Assert.Equal("model-card", payload.Kind);
        Assert.Equal(model.Card.Digest(), payload.Digest);
        Assert.Equal(AiTestHost.ModelId, System.Text.Encoding.UTF8.GetString(payload.Context));
        Assert.Equal(host.Node.Ledger.Keys.Node.Id, anchor.Author);
        Assert.True(host.Services.Registry.Verify(AiTestHost.ModelId).Intact);
    }

    [Fact]
    public void The_card_records_cross_validated_metrics_and_a_bias_audit_by_sex_and_age_band()
    {
        var card = host.Trained.Model.Card;

        Assert.Equal(5, card.Metrics.Folds);
        Assert.InRange(card.Metrics.MeanAuroc, 0.6, 1.0);
        Assert.Equal(AiTestHost.Rows - Declined.Length, card.Metrics.OutOfFold.Count);
        Assert.Equal(["age_band", "sex"], card.Bias!.Attributes.Select(a => a.Attribute));
        Assert.Equal(["female"], card.Bias.Attributes[1].Groups.Select(g => g.Group));
        Assert.Equal("TREAT", card.IntendedUse.PurposeOfUse);
        var html = File.ReadAllText(host.Trained.Model.BiasReportPath);
        Assert.Contains("age_band", html, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(host.Trained.Model.ModelPath));
        }
    }

    [Fact]
    public async Task A_version_is_registered_once()
    {
        var request = new TrainingRequest(FeatureSets.Pima, CareLedger.Analytics.Training.ModelKind.LogisticRegression, AiTestHost.ModelName, "1.0.0", Folds: 5);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Services.Training.TrainAsync(ModelCommands.Researcher(host.Node), request, CancellationToken.None));

        Assert.Contains("already registered", e.Message, StringComparison.Ordinal);
    }

    private HashSet<string> ExcludedCommitments(HashSet<string> patients)
    {
        var commitments = new HashSet<string>(StringComparer.Ordinal);
        foreach (var patient in patients)
        {
            foreach (var head in host.Node.Fhir.FindMatches("Observation", [new("subject", $"Patient/{patient}")], 100))
            {
                foreach (var (_, record) in host.Node.Ledger.State.RecordHistory(host.Node.Vault.RecordRef("Observation", head.Id)))
                {
                    commitments.Add(Convert.ToHexString(record.Commitment));
                }
            }
        }

        return commitments;
    }

    private HashSet<string> AllCommitments()
    {
        var commitments = new HashSet<string>(StringComparer.Ordinal);
        foreach (var head in host.Node.Fhir.FindMatches("Observation", [new("code", string.Join(",", FeatureSets.Pima.Features.Select(f => f.Code.Token).Append(FeatureSets.Pima.Outcome.Token)))], 10_000))
        {
            foreach (var (_, record) in host.Node.Ledger.State.RecordHistory(host.Node.Vault.RecordRef("Observation", head.Id)))
            {
                commitments.Add(Convert.ToHexString(record.Commitment));
            }
        }

        return commitments;
    }
}
