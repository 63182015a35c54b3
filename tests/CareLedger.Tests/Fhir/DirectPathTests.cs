using System.Text.Json.Nodes;
using CareLedger.Fhir.Search;
using CareLedger.Fhir.Validation;
using Hl7.Fhir.Model;
using Xunit.Abstractions;

namespace CareLedger.Tests.Fhir;

/// <summary>
/// The search index walks plain paths over the POCO (<see cref="DirectPath"/>) instead of running FHIRPath: for every
/// supported parameter that has a direct path, both must select the very same elements in the same order, on every
/// resource of the 14 Synthea bundles, on the broken variants of them that strict parsing accepts (<see cref="ValidationMutants"/>) and on
/// resources written for the filters' edge cases.
/// </summary>
public sealed class DirectPathTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_direct_path_selects_what_FHIRPath_selects_on_the_Synthea_resources()
    {
        var corpus = FastValidatorDifferentialTests.LoadCorpus();
        Assert.True(corpus.Count > 1000, $"only {corpus.Count} resources in data/synthea");
        var compared = Compare(corpus);
        Assert.True(compared > 5_000, $"only {compared} parameter evaluations compared");
    }

    [Fact]
    public void Every_direct_path_selects_what_FHIRPath_selects_on_broken_variants()
    {
        var variants = new List<Resource>();
        foreach (var original in FastValidatorDifferentialTests.LoadCorpus().GroupBy(r => r.TypeName).SelectMany(g => g.Take(1)))
        {
            var json = (JsonObject)JsonNode.Parse(FhirSerialization.ToJson(original))!;
            // Only what strict parsing accepts reaches the index (anything else is refused first).
            variants.AddRange(ValidationMutants.Of(json)
                .Select(v => FhirSerialization.TryParseJson(System.Text.Encoding.UTF8.GetBytes(v.Resource.ToJsonString())))
                .Where(p => p.Issues.Count == 0).Select(p => p.Resource).OfType<Resource>());
        }

        Assert.True(variants.Count > 500, $"only {variants.Count} variants");
        Compare(variants);
    }

    [Fact]
    public void The_filters_select_what_FHIRPath_selects()
    {
        var patient = new Patient
        {
            Id = "p1",
            Telecom =
            [
                new ContactPoint(ContactPoint.ContactPointSystem.Email, null, "a@example.org"),
                new ContactPoint { Value = "no system" },
                new ContactPoint(ContactPoint.ContactPointSystem.Phone, ContactPoint.ContactPointUse.Home, "555"),
                new ContactPoint(ContactPoint.ContactPointSystem.Email, null, "b@example.org"),
            ],
            GeneralPractitioner = [new ResourceReference("Practitioner/x"), new ResourceReference("Organization/y")],
            ManagingOrganization = new ResourceReference { Display = "no reference" },
        };
        var observation = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "8867-4"),
            Subject = new ResourceReference("Group/g"),
            Performer = [new ResourceReference("Patient/p1"), new ResourceReference("Practitioner/x")],
        };
        var byReference = new MedicationRequest { Medication = new ResourceReference("Medication/m"), Subject = new ResourceReference("Patient/p1") };
        var byCode = new MedicationRequest { Medication = new CodeableConcept("http://www.nlm.nih.gov/research/umls/rxnorm", "1"), Subject = new ResourceReference("Patient/p1") };
        Compare([patient, observation, byReference, byCode]);

        var email = SearchParameterCatalog.Instance.Find("Patient", "email")!;
        Assert.NotNull(email.Direct);
        var values = new List<Base>();
        email.Direct!.Evaluate(patient, values);
        Assert.Equal(new[] { "a@example.org", "b@example.org" }, values.Cast<ContactPoint>().Select(c => c.Value));
        var medication = SearchParameterCatalog.Instance.Find("MedicationRequest", "code")!;
        Assert.NotNull(medication.Direct);
        values.Clear();
        medication.Direct!.Evaluate(byReference, values);
        Assert.Empty(values);
    }

    [Fact]
    public void Unions_and_functions_keep_FHIRPath()
    {
        Assert.Null(DirectPath.TryCreate("DocumentReference", "DocumentReference.masterIdentifier | DocumentReference.identifier"));
        Assert.Null(DirectPath.TryCreate("Observation", "Observation.value.ofType(Quantity)"));
        Assert.Null(DirectPath.TryCreate("Observation", "(Observation.value as Quantity)"));
        Assert.Null(DirectPath.TryCreate("Observation", "Observation.code.exists()"));
        Assert.Null(DirectPath.TryCreate("Condition", "Patient.name"));
        Assert.NotNull(DirectPath.TryCreate("Patient", "Patient.name.family"));
    }

    /// <summary>Compares both evaluations of every parameter with a direct path on every resource; returns how many.</summary>
    private int Compare(IReadOnlyList<Resource> resources)
    {
        var compared = 0;
        var withoutDirect = new SortedSet<string>(StringComparer.Ordinal);
        var values = new List<Base>();
        foreach (var resource in resources)
        {
            foreach (var parameter in SearchParameterCatalog.Instance.For(resource.TypeName))
            {
                if (parameter.Direct is null)
                {
                    withoutDirect.Add($"{parameter.ResourceType}.{parameter.Name}: {parameter.Expression}");
                    continue;
                }

                values.Clear();
                parameter.Direct.Evaluate(resource, values);
                var expected = SearchIndexer.ValuesByFhirPath(resource, parameter);
                Assert.True(expected.Count == values.Count && expected.Zip(values).All(p => ReferenceEquals(p.First, p.Second)),
                    $"{resource.TypeName}/{resource.Id} parameter {parameter.Name} ({parameter.Expression}): FHIRPath selects {expected.Count}, the direct path {values.Count}");
                compared++;
            }
        }

        output.WriteLine($"{compared} evaluations compared; parameters left to FHIRPath: {string.Join("; ", withoutDirect)}");
        return compared;
    }
}
