using CareLedger.Identity.Scopes;

namespace CareLedger.Tests.Identity;

public sealed class ScopeSetTests
{
    private const string Lab = "http://terminology.hl7.org/CodeSystem/observation-category|laboratory";

    [Theory]
    [InlineData("patient/Observation.rs", "Observation", FhirInteraction.Read, null, true)]
    [InlineData("patient/Observation.rs", "Observation", FhirInteraction.Search, null, true)]
    [InlineData("patient/Observation.rs", "Observation", FhirInteraction.Create, null, false)]
    [InlineData("patient/Observation.rs", "Observation", FhirInteraction.Update, null, false)]
    [InlineData("patient/Observation.rs", "Observation", FhirInteraction.Delete, null, false)]
    [InlineData("patient/Observation.rs", "Patient", FhirInteraction.Read, null, false)]
    [InlineData("user/*.cruds", "Condition", FhirInteraction.Create, null, true)]
    [InlineData("user/*.cruds", "Patient", FhirInteraction.Delete, null, true)]
    [InlineData("system/Patient.r", "Patient", FhirInteraction.Read, null, true)]
    [InlineData("system/Patient.r", "Patient", FhirInteraction.Search, null, false)]
    [InlineData("patient/*.read", "Condition", FhirInteraction.Search, null, true)]
    [InlineData("patient/*.read", "Condition", FhirInteraction.Update, null, false)]
    [InlineData("user/Observation.write", "Observation", FhirInteraction.Update, null, true)]
    [InlineData("user/Observation.write", "Observation", FhirInteraction.Read, null, false)]
    [InlineData("system/*.*", "AuditEvent", FhirInteraction.Search, null, true)]
    [InlineData("patient/Observation.rs?category=laboratory", "Observation", FhirInteraction.Read, "laboratory", true)]
    [InlineData("patient/Observation.rs?category=laboratory", "Observation", FhirInteraction.Read, Lab, true)]
    [InlineData("patient/Observation.rs?category=laboratory", "Observation", FhirInteraction.Read, "vital-signs", false)]
    [InlineData("patient/Observation.rs?category=laboratory", "Observation", FhirInteraction.Read, null, false)]
    [InlineData("patient/Observation.rs?category=laboratory,vital-signs", "Observation", FhirInteraction.Search, "vital-signs", true)]
    [InlineData("patient/Observation.rs?category=" + Lab, "Observation", FhirInteraction.Read, "laboratory", true)]
    [InlineData("patient/Observation.rs?category=" + Lab, "Observation", FhirInteraction.Read, "http://example.org/other|laboratory", false)]
    [InlineData("user/Condition.s?clinical-status=active", "Condition", FhirInteraction.Search, "problem-list-item", false)]
    [InlineData("openid fhirUser launch/patient", "Observation", FhirInteraction.Read, null, false)]
    [InlineData("patient/Observation.r user/Observation.s", "Observation", FhirInteraction.Search, null, true)]
    [InlineData("", "Observation", FhirInteraction.Read, null, false)]
    public void Permits_follows_context_type_permission_and_category(string scopes, string type, FhirInteraction interaction, string? category, bool expected)
    {
        Assert.Equal(expected, ScopeSet.Parse(scopes).Permits(type, interaction, category));
    }

    [Theory]
    [InlineData("patient/Observation.rs user/Observation.s system/*.r", FhirInteraction.Search, SmartContext.Patient | SmartContext.User)]
    [InlineData("patient/Observation.rs user/Observation.s system/*.r", FhirInteraction.Read, SmartContext.Patient | SmartContext.System)]
    [InlineData("patient/Observation.rs user/Observation.s system/*.r", FhirInteraction.Create, SmartContext.None)]
    public void ContextsPermitting_says_which_contexts_grant_an_interaction(string scopes, FhirInteraction interaction, SmartContext expected)
    {
        Assert.Equal(expected, ScopeSet.Parse(scopes).ContextsPermitting("Observation", interaction));
    }

    [Theory]
    [InlineData("user/*.cruds", "user/*.rs", "user/*.rs")]
    [InlineData("patient/*.read", "patient/*.rs", "patient/*.read")]
    [InlineData("patient/*.rs", "patient/Observation.cruds patient/Consent.cruds", "patient/Observation.rs patient/Consent.rs")]
    [InlineData("patient/Observation.cruds", "patient/*.rs", "patient/Observation.rs")]
    [InlineData("system/*.rs", "user/*.cruds", "")]
    [InlineData("patient/Observation.c", "patient/*.rs", "")]
    [InlineData("patient/Observation.rs", "patient/Observation.rs?category=laboratory", "patient/Observation.rs?category=laboratory")]
    [InlineData("patient/Observation.rs?category=laboratory", "patient/*.cruds", "patient/Observation.rs?category=laboratory")]
    [InlineData("patient/Observation.rs?category=a", "patient/Observation.rs?category=b", "")]
    [InlineData("openid launch/patient offline_access", "openid offline_access patient/*.rs", "openid offline_access")]
    public void Intersect_grants_only_what_both_sets_allow(string requested, string allowed, string expected)
    {
        Assert.Equal(expected, ScopeSet.Parse(requested).Intersect(ScopeSet.Parse(allowed)).ToString());
    }

    [Fact]
    public void Duplicates_collapse_whatever_their_spelling()
    {
        var set = ScopeSet.Parse("patient/*.read patient/*.rs openid openid");
        Assert.Equal(2, set.Count);
        Assert.Equal("patient/*.read openid", set.ToString());
    }

    [Fact]
    public void Strict_parsing_names_every_bad_scope()
    {
        var error = Assert.Throws<FormatException>(() => ScopeSet.Parse("openid patient/Foo.rs user/*.xyz"));
        Assert.Contains("'patient/Foo.rs'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'user/*.xyz'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'openid'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lenient_parsing_keeps_what_parses_and_reports_the_rest()
    {
        var set = ScopeSet.Parse(["openid", "email", "patient/Observation.rs"], out var problems);
        Assert.Equal("openid patient/Observation.rs", set.ToString());
        Assert.Contains("'email'", Assert.Single(problems), StringComparison.Ordinal);
    }
}
