using CareLedger.Fhir.Validation;
using Hl7.Fhir.Model;

namespace CareLedger.Tests.Fhir;

public sealed class ResourceValidatorTests
{
    [Fact]
    public void Prevalidating_on_every_core_finds_the_same_errors_as_validating_one_at_a_time()
    {
        var validator = ResourceValidator.Shared;
        // Every third breaks obs-6 (an error-level invariant: no dataAbsentReason beside a value), every fifth misses
        // the required status (cardinality).
        var resources = Enumerable.Range(0, 60).Select(Observation).ToList<Resource>();
        var expected = Enumerable.Range(0, 60).Select(i => validator.Errors(Observation(i)).Count).ToList();

        validator.Prevalidate(resources);

        var found = resources.Select(r => validator.Errors(r).Count).ToList();
        Assert.Equal(expected, found);
        for (var i = 0; i < resources.Count; i++)
        {
            Assert.Equal(i % 3 == 0 || i % 5 == 0, found[i] > 0);
        }
    }

    [Fact]
    public void A_prevalidated_result_is_used_once_and_the_next_write_validates_again()
    {
        var validator = ResourceValidator.Shared;
        var observation = Observation(1);
        validator.Prevalidate([observation]);
        Assert.Empty(validator.Errors(observation));

        observation.Status = null;
        Assert.NotEmpty(validator.Errors(observation));
    }

    private static Observation Observation(int n) => new()
    {
        Status = n % 5 == 0 ? null : ObservationStatus.Final,
        Code = new CodeableConcept("http://loinc.org", "8867-4", "Heart rate"),
        Value = new Quantity(60 + n, "/min", "http://unitsofmeasure.org"),
        DataAbsentReason = n % 3 == 0 ? new CodeableConcept("http://terminology.hl7.org/CodeSystem/data-absent-reason", "unknown") : null,
    };
}
