using System.Text.Json;
using CareLedger.Ai;
using CareLedger.Ai.Data;
using CareLedger.Ai.Training;
using CareLedger.Analytics.Deployment;
using CareLedger.Analytics.Training;
using CareLedger.Cli;
using CareLedger.Tests.Fhir;
using CareLedger.Tests.Support;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Tests.Ai;

/// <summary>The bias audit groups by ethnicity where the data has it: US Core's ethnicity extension, as Synthea writes it.</summary>
public sealed class EthnicityAuditTests
{
    [Fact]
    public void The_ethnicity_of_a_synthea_patient_is_read_from_the_us_core_extension()
    {
        var json = File.ReadAllBytes(SyntheaPatient.File("Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json"));
        var patient = JsonDocument.Parse(json).RootElement.GetProperty("entry").EnumerateArray()
            .Select(e => e.GetProperty("resource")).First(r => r.GetProperty("resourceType").GetString() == "Patient");

        var facts = RecordFacts.Patient(JsonSerializer.SerializeToUtf8Bytes(patient));

        Assert.Equal("Not Hispanic or Latino", facts.Ethnicity);
        Assert.Equal("male", facts.Gender);
    }

    [Fact]
    public async Task A_model_trained_on_patients_with_a_recorded_ethnicity_is_audited_by_it_and_the_others_are_not_dropped()
    {
        await using var fhir = await FhirTestNode.StartAsync();
        await new DemoCohortLoader(fhir.Service, FhirTestNode.System).LoadAsync(FeatureSets.Pima,
            DemoCohortLoader.ReadReference(FeatureSets.Pima, AiCommands.ClinicalDataDirectory), 60, null, null, CancellationToken.None);
        for (var row = 0; row < 40; row++)
        {
            var id = DemoCohortLoader.PatientId(FeatureSets.Pima, row);
            var patient = Assert.IsType<Patient>(fhir.Service.Repository.ReadResource(FhirTestNode.System, "Patient", id));
            var (code, display) = row % 2 == 0 ? ("2135-2", "Hispanic or Latino") : ("2186-5", "Not Hispanic or Latino");
            patient.Extension.Add(new Extension
            {
                Url = RecordFacts.UsCoreEthnicity,
                Extension = [new Extension("ombCategory", new Coding("urn:oid:2.16.840.1.113883.6.238", code, display)), new Extension("text", new FhirString(display))],
            });
            await fhir.Service.UpdateAsync(FhirTestNode.System, "Patient", id, patient, null, CancellationToken.None);
        }

        using var ai = AiServices.Create(fhir.Node, AiOptions.Default with { Gate = new GatePolicy { MinAuroc = 0, MaxEqualizedOddsDifference = null } });
        var trained = await ai.Training.TrainAsync(ModelCommands.Researcher(fhir.Node),
            new TrainingRequest(FeatureSets.Pima, ModelKind.LogisticRegression, "pima-ethnicity", "1.0.0", Folds: 3), CancellationToken.None);

        var bias = trained.Model.Card.Bias!;
        Assert.Equal(["age_band", "ethnicity", "sex"], bias.Attributes.Select(a => a.Attribute));
        var ethnicity = bias.Attributes.Single(a => a.Attribute == "ethnicity");
        // Rows 1-40 carry it, alternately (rows 10, 20, 30, 40 declined research, all "not Hispanic"); rows 41-60 do not
        // (18 consent): audited as not recorded.
        Assert.Equal(
            [("(not recorded)", 18), ("Hispanic or Latino", 20), ("Not Hispanic or Latino", 16)],
            ethnicity.Groups.Select(g => (g.Group, g.Count)).OrderBy(g => g.Group, StringComparer.Ordinal));
        Assert.Contains("Hispanic or Latino", await File.ReadAllTextAsync(trained.Model.BiasReportPath), StringComparison.Ordinal);
    }
}
