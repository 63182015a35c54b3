using System.Text;
using CareLedger.Access.Delegation;
using CareLedger.AccessApi;
using CareLedger.Consent.Model;
using CareLedger.Consent.Requests;
using CareLedger.Fhir.Errors;

namespace CareLedger.Tests.AccessApi;

/// <summary>The body of a delegation grant: what it may say, and every way it can be wrong.</summary>
public sealed class DelegationRequestTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_full_grant_reads_into_the_scope_the_gate_enforces()
    {
        var request = Parse("""
            {"patient":"Patient/p-1","delegate":"RelatedPerson/g-1","kind":"guardian","source":"court-order",
             "period":{"start":"2026-12","end":"2027"},"actions":["access",{"system":"urn:x","code":"y"},"access"],
             "classes":["Immunization","urn:classes|vaccines"]}
            """);

        Assert.Equal(("p-1", "RelatedPerson/g-1", DelegateKind.Guardian, DelegationSource.CourtOrder),
            (request.Patient, request.Delegate, request.Kind, request.Source));
        Assert.Equal(new Period(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2028, 1, 1, 0, 0, 0, TimeSpan.Zero)), request.Scope.Period);
        Assert.Equal([new Coding("http://terminology.hl7.org/CodeSystem/consentaction", "access"), new Coding("urn:x", "y")], request.Scope.Actions);
        Assert.Equal([new Coding("http://hl7.org/fhir/resource-types", "Immunization"), new Coding("urn:classes", "vaccines")], request.Scope.Classes);
    }

    [Fact]
    public void A_minimal_grant_is_the_patients_own_for_every_action_and_class_from_now_on()
    {
        var request = Parse("""{"delegate":"RelatedPerson/c-1","kind":"caregiver"}""");

        Assert.Equal((null, DelegateKind.Caregiver, DelegationSource.Patient), (request.Patient, request.Kind, request.Source));
        Assert.Equal(Period.Always, request.Scope.Period);
        Assert.Empty(request.Scope.Actions);
        Assert.Empty(request.Scope.Classes);
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[]", "JSON object")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"guardian","colour":"red"}""", "'colour' is not a field")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"guardian","kind":"caregiver"}""", "given twice")]
    [InlineData("""{"kind":"guardian"}""", "'delegate' is required")]
    [InlineData("""{"delegate":7,"kind":"guardian"}""", "'delegate' must be a non-empty string")]
    [InlineData("""{"delegate":"Practitioner/dr-1","kind":"guardian"}""", "RelatedPerson reference")]
    [InlineData("""{"delegate":"RelatedPerson/g 1","kind":"guardian"}""", "RelatedPerson reference")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"friend"}""", "guardian or caregiver")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"guardian","patient":"no such"}""", "must name a Patient")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"guardian","period":"always"}""", "'period' must be an object")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"guardian","period":{"from":"2027"}}""", "'period' must be an object")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"guardian","period":{"start":"soon"}}""", "'period'")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"guardian","period":{"start":"2030-01-01","end":"2029-01-01"}}""", "contains no instant")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"guardian","period":{"end":"2020-01-01"}}""", "never be in force")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"guardian","actions":"access"}""", "'actions' must be an array")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"guardian","actions":["read"]}""", "not a consent action")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"guardian","actions":[1]}""", "holds a Number")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"guardian","classes":["Vaccine"]}""", "not a FHIR R4 resource type")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"guardian","classes":["|x"]}""", "needs a system")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"guardian","classes":[{"system":"urn:x"}]}""", "needs a system")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"guardian","classes":[{"system":"urn:x","code":"y","display":"z"}]}""", "only 'system' and 'code'")]
    [InlineData("""{"delegate":"RelatedPerson/g-1","kind":"guardian","source":"judge"}""", "patient or court-order")]
    public void A_malformed_grant_is_a_400_naming_the_problem(string body, string problem)
    {
        var refused = Assert.Throws<FhirProblemException>(() => Parse(body));

        Assert.Equal(400, refused.Status);
        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
    }

    private static DelegationRequest Parse(string json) => DelegationRequest.Parse(Encoding.UTF8.GetBytes(json), Now);
}
