using Microsoft.AspNetCore.Http;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Search;
using CareLedger.Vault.Search;

namespace CareLedger.Tests.Fhir;

public sealed class SearchRequestParserTests
{
    private static SearchRequest Parse(string type, params (string Name, string Value)[] parameters) =>
        SearchRequestParser.Parse(type, [.. parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value))]);

    [Theory]
    [InlineData("2020", SearchPrefix.Eq, "2020-01-01T00:00:00Z", "2020-12-31T23:59:59.999Z")]
    [InlineData("ge2020-03", SearchPrefix.Ge, "2020-03-01T00:00:00Z", "2020-03-31T23:59:59.999Z")]
    [InlineData("lt2020-03-04", SearchPrefix.Lt, "2020-03-04T00:00:00Z", "2020-03-04T23:59:59.999Z")]
    [InlineData("sa2020-03-04T10:00:00+02:00", SearchPrefix.Sa, "2020-03-04T08:00:00Z", "2020-03-04T08:00:00.999Z")]
    public void Date_values_become_prefixed_ranges_at_their_precision(string value, SearchPrefix prefix, string start, string end)
    {
        var predicate = Assert.IsType<DatePredicate>(Assert.Single(Parse("Observation", ("date", value)).Query.Predicates));

        var condition = Assert.Single(predicate.Conditions);
        Assert.Equal(prefix, condition.Prefix);
        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), condition.StartUnixMs);
        Assert.Equal(DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), condition.EndUnixMs);
    }

    [Fact]
    public void A_bare_reference_id_expands_to_every_target_type()
    {
        var predicate = Assert.IsType<ReferencePredicate>(Assert.Single(Parse("Observation", ("subject", "42")).Query.Predicates));

        Assert.Contains("Patient/42", predicate.Targets);
        Assert.Contains("Group/42", predicate.Targets);
    }

    [Fact]
    public void Identifiers_are_blinded_and_codes_are_not()
    {
        var identifier = Assert.IsType<TokenPredicate>(Assert.Single(Parse("Patient", ("identifier", "sys|1")).Query.Predicates));
        var code = Assert.IsType<TokenPredicate>(Assert.Single(Parse("Observation", ("code", "sys|1")).Query.Predicates));

        Assert.True(identifier.Blinded);
        Assert.False(code.Blinded);
    }

    [Fact]
    public void Commas_separate_alternatives_unless_escaped()
    {
        Assert.Equal(["a", "b,c"], SearchRequestParser.SplitValues(@"a,b\,c"));
    }

    [Fact]
    public void Count_is_capped_and_sort_includes_direction()
    {
        var request = Parse("Observation", ("_count", "5000"), ("_sort", "-date,_id"));

        Assert.Equal(SearchRequestParser.MaxCount, request.Count);
        Assert.Equal([true, false], request.Query.Sort.Select(s => s.Descending));
    }

    [Theory]
    [InlineData("Patient", "name:contains", "abc")]
    [InlineData("Patient", "_text", "abc")]
    [InlineData("Patient", "_include", "Observation:subject")]
    [InlineData("Patient", "_count", "-1")]
    [InlineData("Patient", "_cursor", "not-a-cursor")]
    [InlineData("Observation", "code:above", "x")]
    [InlineData("Unicorn", "name", "x")]
    public void Unsupported_or_malformed_parameters_are_refused_not_ignored(string type, string name, string value)
    {
        var problem = Assert.Throws<FhirProblemException>(() => Parse(type, (name, value)));

        Assert.True(problem.Status is StatusCodes.Status400BadRequest or StatusCodes.Status404NotFound);
    }
}
