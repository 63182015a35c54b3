using CareLedger.Ai.Data;
using CareLedger.Tests.Fhir;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Tests.Ai;

[Collection(AiCollection.Name)]
public sealed class DemoDataTests(AiTestHost host)
{
    [Fact]
    public async Task Loading_the_demo_data_again_writes_nothing()
    {
        var before = host.Fhir.RecordTransactionCount();

        var report = await host.LoadPimaAsync();

        Assert.Equal(before, host.Fhir.RecordTransactionCount());
        Assert.Equal(0, report.PatientsCreated);
        Assert.Equal(AiTestHost.Rows, report.PatientsPresent);
        Assert.Equal(AiTestHost.Rows, host.Loaded.PatientsCreated);
    }

    [Fact]
    public void Each_measurement_is_an_observation_coded_with_loinc_where_loinc_has_it()
    {
        var patient = AiTestHost.PatientOfRow(0);

        var glucose = Observation(patient, "http://loinc.org|1518-0");
        var triceps = Observation(patient, $"{ClinicalCode.ClinicalFeatures}|triceps");

        var quantity = Assert.IsType<Quantity>(glucose.Value);
        Assert.Equal((148m, "mg/dL", "http://unitsofmeasure.org"), (quantity.Value!.Value, quantity.Code, quantity.System));
        Assert.Equal("2025-01-06", Assert.IsType<FhirDateTime>(glucose.Effective).Value);
        Assert.Equal(35m, Assert.IsType<Quantity>(triceps.Value).Value);
        // Pima's zero insulin means "not measured": no Observation at all.
        Assert.Empty(host.Fhir.Service.FindMatches("Observation", [new("subject", $"Patient/{patient}"), new("code", $"{ClinicalCode.ClinicalFeatures}|insulin")], 2));
        var outcome = Observation(patient, FeatureSets.Pima.Outcome.Token);
        Assert.True(Assert.IsType<FhirBoolean>(outcome.Value).Value);
    }

    [Fact]
    public void The_demo_patient_has_the_rows_age_and_the_consents_of_its_row()
    {
        var patient = Assert.IsType<Patient>(host.Fhir.Service.Repository.ReadResource(FhirTestNode.System, "Patient", AiTestHost.PatientOfRow(0)));

        Assert.Equal(AdministrativeGender.Female, patient.Gender);
        Assert.Equal(patient.Id, Assert.Single(host.Fhir.Service.FindMatches("Patient", [new("identifier", $"{DemoCohortLoader.IdentifierPrefix}pima|row-0001")], 2)).Id);
        var born = DateOnly.Parse(patient.BirthDate!, System.Globalization.CultureInfo.InvariantCulture);
        var measured = DemoDemographics.FirstMeasurement;
        Assert.Equal(50, measured.Year - born.Year - (born.AddYears(measured.Year - born.Year) > measured ? 1 : 0));
        Assert.Equal(2, Consents(AiTestHost.PatientOfRow(0)));
        Assert.Equal(1, Consents(AiTestHost.PatientOfRow(9)));
        Assert.Equal(1, Consents(AiTestHost.PatientOfRow(4)));
    }

    [Fact]
    public void Demographics_are_deterministic_and_give_the_wdbc_cohort_both_sexes()
    {
        var wdbc = Enumerable.Range(0, 569).Select(r => DemoDemographics.For("wdbc", r, null)).ToList();

        Assert.Equal(wdbc, Enumerable.Range(0, 569).Select(r => DemoDemographics.For("wdbc", r, null)));
        var males = wdbc.Count(d => d.Gender == "male");
        Assert.InRange(males, 15, 60);
        Assert.All(wdbc, d => Assert.InRange(d.MeasuredOn.Year - d.BirthDate.Year, 28, 83));
        Assert.Equal("female", DemoDemographics.For("pima", 3, 21).Gender);
    }

    private Observation Observation(string patient, string code)
    {
        var head = Assert.Single(host.Fhir.Service.FindMatches("Observation", [new("subject", $"Patient/{patient}"), new("code", code)], 2));
        return Assert.IsType<Observation>(host.Fhir.Service.Repository.ReadResource(FhirTestNode.System, "Observation", head.Id));
    }

    private int Consents(string patient) => host.Fhir.Service.FindMatches("Consent", [new("patient", $"Patient/{patient}")], 10).Count;
}
