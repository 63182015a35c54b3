using System.Text;
using System.Text.Json;
using CareLedger.Access.Gate;
using CareLedger.Consent.Model;
using CareLedger.Consent.Vocabulary;

namespace CareLedger.Access.Tests.Gate;

public sealed class ResourceFactsTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void Labels_codes_time_and_references_come_from_the_json()
    {
        const string json = """
            {"resourceType":"Condition","id":"c1",
             "meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"PSY"},{"code":"no-system"}]},
             "contained":[{"resourceType":"Provenance","id":"p","meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}]}}],
             "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-category","code":"problem-list-item"}]}],
             "code":{"coding":[{"system":"http://snomed.info/sct","code":"35489007"},{"system":"http://hl7.org/fhir/sid/icd-10","code":"F32"}],"text":"x"},
             "subject":{"reference":"Patient/p1"},"recorder":{"reference":"#p"},"evidence":[{"detail":[{"reference":"Observation/o1"}]}],
             "onsetDateTime":"2025-11","recordedDate":"2026-01-02"}
            """;

        var facts = ResourceFacts.Of("Condition", "c1", Json(json));

        Assert.Equal([SecurityLabels.Psychiatry, SecurityLabels.Restricted], facts.SecurityLabels);
        Assert.Equal(["problem-list-item", "35489007", "F32"], facts.Codes!.Select(c => c.Code));
        Assert.Contains(new Coding("http://snomed.info/sct", "35489007"), facts.Codes!);
        Assert.Equal(new DateTimeOffset(2025, 11, 1, 0, 0, 0, TimeSpan.Zero), facts.DataTime);
        Assert.Equal("Condition/c1", facts.Reference);
        Assert.Equal(["Patient/p1", "Observation/o1"], facts.References);
        Assert.Null(facts.Authors);
        Assert.Null(facts.ReferencedBy);
    }

    [Fact]
    public void A_coding_is_read_whole_whatever_nests_inside_it()
    {
        const string json = """
            {"resourceType":"Observation","meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode",
              "extension":[{"url":"http://example.org/x","valueCoding":{"system":"http://example.org/other","code":"decoy"}}],"code":"HIV"}]},
             "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"not-top-level"}]}}],"valueString":"code"}
            """;

        var facts = ResourceFacts.Of("Observation", "o1", Json(json));

        Assert.Equal([SecurityLabels.Hiv], facts.SecurityLabels);
        Assert.Empty(facts.Codes!);
    }

    [Theory]
    [InlineData("""{"effectivePeriod":{"start":"2026-02-03T10:00:00+01:00"},"issued":"2026-03-01T00:00:00Z"}""", "2026-02-03T09:00:00Z")]
    [InlineData("""{"issued":"2026-03-01T00:00:00Z","date":"2020"}""", "2026-03-01T00:00:00Z")]
    [InlineData("""{"period":{"start":"2024-07-04"},"recorded":"2025-01-01T00:00:00Z"}""", "2024-07-04T00:00:00Z")]
    [InlineData("""{"effectiveDateTime":"not a date","authoredOn":"2023-05-06"}""", "2023-05-06T00:00:00Z")]
    public void The_data_time_is_the_first_clinical_time_found(string json, string expected)
    {
        var facts = ResourceFacts.Of("Observation", "o1", Json(json));

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), facts.DataTime);
    }

    [Fact]
    public void Escaped_names_and_values_are_read_as_their_unescaped_text()
    {
        // Values are copied from the JSON only when kept; an escaped one must come out unescaped, like an unescaped one.
        const string json = """
            {"resourceType":"Observation","m\u0065ta":{"security":[{"system":"http:\/\/terminology.hl7.org\/CodeSystem\/v3-ActCode","code":"\u0048IV"}]},
             "code":{"coding":[{"system":"http://loinc.org","code":"8867\u002d4"}]},"valueQuantity":{"system":"http://unitsofmeasure.org","code":"/min"},
             "effectiveDateTime":"2026-02-03T10:00:00\u002b01:00"}
            """;

        var facts = ResourceFacts.Of("Observation", "o1", Json(json));

        Assert.Equal([SecurityLabels.Hiv], facts.SecurityLabels);
        Assert.Equal([new Coding("http://loinc.org", "8867-4")], facts.Codes);
        Assert.Equal(new DateTimeOffset(2026, 2, 3, 9, 0, 0, TimeSpan.Zero), facts.DataTime);
    }

    [Fact]
    public void Reading_many_resources_in_turn_on_one_thread_keeps_each_ones_facts_apart()
    {
        // The pass reuses the thread's frame and path lists: a resource that fails half-way must not leak into the next.
        Assert.ThrowsAny<JsonException>(() => ResourceFacts.Of("Observation", "bad", Json("""{"meta":{"security":[{"system":"s","code":"c" """)));

        var first = ResourceFacts.Of("Observation", "o1", Json("""{"code":{"coding":[{"system":"http://loinc.org","code":"1-1"}]}}"""));
        var second = ResourceFacts.Of("Observation", "o2", Json("""{"category":[{"coding":[{"system":"http://x.org","code":"2-2"}]}]}"""));

        Assert.Equal([new Coding("http://loinc.org", "1-1")], first.Codes);
        Assert.Equal([new Coding("http://x.org", "2-2")], second.Codes);
        Assert.Empty(second.SecurityLabels);
    }

    [Fact]
    public void A_resource_without_codes_or_time_has_known_empty_codes_and_unknown_time()
    {
        var facts = ResourceFacts.Of("Patient", "p1", Json("""{"resourceType":"Patient","id":"p1","birthDate":"1980-01-01"}"""));

        Assert.Empty(facts.Codes!);
        Assert.Empty(facts.SecurityLabels);
        Assert.Null(facts.DataTime);
    }

    [Fact]
    public void A_deleted_version_has_only_its_type_and_reference()
    {
        var facts = ResourceFacts.Unknown("Observation", "o1");

        Assert.Equal(("Observation", "Observation/o1"), (facts.ResourceType, facts.Reference));
        Assert.Null(facts.Codes);
        Assert.Null(facts.References);
    }

    [Fact]
    public void Content_that_is_not_a_json_object_is_refused()
    {
        Assert.ThrowsAny<JsonException>(() => ResourceFacts.Of("Observation", "o1", Json("[1,2]")));
        Assert.ThrowsAny<JsonException>(() => ResourceFacts.Of("Observation", "o1", Json("{")));
    }

    [Theory]
    [InlineData("2008-06-01", false)]
    [InlineData("2008-06-02", true)]
    [InlineData("2008-05", false)]
    [InlineData("2008-06", true)]
    [InlineData("2008", true)]
    [InlineData("2007", false)]
    [InlineData("garbage", true)]
    public void A_patient_is_a_minor_until_their_latest_possible_eighteenth_birthday(string birthDate, bool minor)
    {
        Assert.Equal(minor, ResourceFacts.IsMinor(Json($$"""{"resourceType":"Patient","birthDate":"{{birthDate}}"}"""), Now));
    }

    [Fact]
    public void A_patient_without_a_birth_date_counts_as_a_minor()
    {
        Assert.True(ResourceFacts.IsMinor(Json("""{"resourceType":"Patient"}"""), Now));
    }
}
