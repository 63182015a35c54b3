using CareLedger.Access.Audit;
using CareLedger.AccessApi;
using CareLedger.Fhir.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace CareLedger.Tests.AccessApi;

/// <summary>The AuditEvent search parameters: FHIR date prefixes narrow one period, and anything unclear is a 400.</summary>
public sealed class AuditSearchTests
{
    [Fact]
    public void Date_conditions_narrow_one_period_at_the_precision_they_are_written_in()
    {
        var search = Parse("?date=ge2026-03&date=lt2026-03-15&date=gt2026-02-28T10:00:00Z&patient=Patient/p-1&_count=5&agent=acct-1&outcome=8&break-glass=true");

        Assert.Equal(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), search.From);
        Assert.Equal(new DateTimeOffset(2026, 3, 15, 0, 0, 0, TimeSpan.Zero), search.To);
        Assert.Equal(("p-1", 5, "acct-1", AuditOutcome.Deny, true), (search.Patient, search.Count, search.Agent, search.Outcome, search.BreakGlass));
    }

    [Fact]
    public void Without_parameters_the_search_is_the_newest_hundred_of_everything_visible()
    {
        var search = Parse("");

        Assert.Equal(new AuditSearch(null, null, null, AuditSearch.DefaultCount, null, null, null), search);
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), Parse("?date=le2026").To);
        Assert.Equal((new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 5, 2, 0, 0, 0, TimeSpan.Zero)),
            (Parse("?date=2026-05-01").From, Parse("?date=eq2026-05-01").To));
    }

    [Theory]
    [InlineData("?subtype=read", "not a supported AuditEvent search parameter")]
    [InlineData("?date=yesterday", "not a FHIR date search")]
    [InlineData("?date=ne2026-01-01", "prefix 'ne' is not supported")]
    [InlineData("?_count=0", "_count must be")]
    [InlineData("?_count=1001", "_count must be")]
    [InlineData("?_count=ten", "_count must be")]
    [InlineData("?outcome=maybe", "outcome must be")]
    [InlineData("?break-glass=yes", "break-glass must be")]
    [InlineData("?patient=p-1&patient=p-2", "may be given once")]
    [InlineData("?patient=Patient/no%20such", "must name a Patient")]
    [InlineData("?agent=", "agent must be")]
    public void A_malformed_search_is_a_400_naming_the_problem(string query, string problem)
    {
        var refused = Assert.Throws<FhirProblemException>(() => Parse(query));

        Assert.Equal(400, refused.Status);
        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
    }

    private static AuditSearch Parse(string query) => AuditSearch.Parse(new QueryCollection(QueryHelpers.ParseQuery(query)));
}
