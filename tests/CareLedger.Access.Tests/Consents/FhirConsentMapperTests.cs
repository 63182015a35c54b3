using System.Text;
using CareLedger.Access.Consents;
using CareLedger.Access.Tests.Gate.Support;
using CareLedger.Consent.Compilation;
using CareLedger.Consent.Model;
using CareLedger.Consent.Validation;
using CareLedger.Consent.Vocabulary;
using ConsentPeriod = CareLedger.Consent.Model.Period;
using FhirConsent = Hl7.Fhir.Model.Consent;

namespace CareLedger.Access.Tests.Consents;

public sealed class FhirConsentMapperTests
{
    private static readonly PatientId P1 = new("0011223344556677");
    private static readonly Coding Recipient = new("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "PRCP");

    private readonly FhirConsentMapper _mapper = new(id => id == "p1" ? P1 : null);

    private const string RecipientRole = FhirJson.Recipient;

    private ConsentMapping Map(string json, string? expectedId = null) => _mapper.Map(Encoding.UTF8.GetBytes(json), expectedId);

    private static string Paths(ConsentMapping mapping) => string.Join(" | ", mapping.Problems.Select(p => p.Path));

    [Fact]
    public void Every_decisive_element_is_converted()
    {
        const string provision = """
            {"type":"deny","period":{"start":"2026-01-01","end":"2026-12-31"},"provision":[{
              "type":"permit",
              "actor":[{"role":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-RoleCode","code":"GUARD"},{"system":"http://example.org/roles","code":"guardian"}]},"reference":{"reference":"RelatedPerson/7"}},
                       {"role":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"PRCP"}]},"reference":{"reference":"Organization/st-elsewhere"}}],
              "action":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentaction","code":"access"}]}],
              "securityLabel":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"PSY"}],
              "purpose":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"TREAT"}],
              "class":[{"system":"http://hl7.org/fhir/resource-types","code":"Observation"}],
              "code":[{"coding":[{"system":"http://loinc.org","code":"8867-4"}]}],
              "dataPeriod":{"start":"2025-01-01T00:00:00Z","end":"2025-06-30T12:00:00Z"},
              "data":[{"meaning":"related","reference":{"reference":"Encounter/e1"}}]}]}
            """;

        var mapping = Map(FhirJson.Consent("c1", "p1", provision) .Replace("\"dateTime\":\"2026-01-01\"", "\"dateTime\":\"2026-01-01T09:30:00Z\",\"policyRule\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"OPTIN\"}]}", StringComparison.Ordinal));

        Assert.True(mapping.IsValid, Paths(mapping));
        var consent = mapping.Directive!;
        Assert.Equal((new ConsentId("c1"), P1, ConsentStatus.Active, ConsentScopes.PatientPrivacy), (consent.Id, consent.Patient, consent.Status, consent.Scope));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 9, 30, 0, TimeSpan.Zero), consent.DateTime);
        Assert.Equal(new Coding(CodeSystems.ActCode, "OPTIN"), consent.PolicyRule);
        Assert.Equal(ProvisionType.Deny, consent.Provision.Type);
        Assert.Equal(ConsentPeriod.FromFhir("2026-01-01", "2026-12-31"), consent.Provision.Period);
        var permit = Assert.Single(consent.Provision.Provisions);
        Assert.Equal(ProvisionType.Permit, permit.Type);
        Assert.Equal(
            [new ProvisionActor(DelegateRoles.Guardian, "RelatedPerson/7"), new ProvisionActor(new Coding("http://example.org/roles", "guardian"), "RelatedPerson/7"), new ProvisionActor(Recipient, "Organization/st-elsewhere")],
            permit.Actors);
        Assert.Equal([ConsentActions.Access], permit.Actions);
        Assert.Equal([SecurityLabels.Psychiatry], permit.SecurityLabels);
        Assert.Equal([PurposesOfUse.Treatment], permit.Purposes);
        Assert.Equal([ResourceClasses.OfType("Observation")], permit.Classes);
        Assert.Equal([new Coding("http://loinc.org", "8867-4")], permit.Codes);
        Assert.Equal(new ConsentPeriod(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 6, 30, 12, 0, 1, TimeSpan.Zero)), permit.DataPeriod);
        Assert.Equal([new DataReference(DataMeaning.Related, "Encounter/e1")], permit.Data);
        Assert.NotNull(CompiledConsentSet.Compile(P1, [consent]));
    }

    [Fact]
    public void Elements_that_cannot_be_honoured_are_reported_and_never_dropped_silently()
    {
        const string provision = $$$"""
            {"type":"permit","modifierExtension":[{"url":"http://example.org/only-on-tuesdays","valueBoolean":true}],"provision":[{
              "type":"deny",
              "actor":[{"role":{{{RecipientRole}}},"reference":{"reference":"#contained-org"}},
                       {"role":{"text":"my neighbour"},"reference":{"reference":"RelatedPerson/3"}},
                       {"role":{{{RecipientRole}}},"reference":{"display":"Dr Somebody"}}],
              "action":[{"text":"look at"}],
              "code":[{"coding":[{"system":"http://loinc.org","code":"1-8"}]},{"text":"anything cardiac"}],
              "data":[{"meaning":"instance","reference":{"reference":"http://elsewhere.example/fhir/Observation/1"}}]}]}
            """;
        var json = FhirJson.Consent("c1", "p1", provision).Replace("{\"resourceType\":\"Consent\",", "{\"resourceType\":\"Consent\",\"implicitRules\":\"http://example.org/rules\",", StringComparison.Ordinal);

        var mapping = Map(json);

        Assert.False(mapping.IsValid);
        Assert.Equal(
            "implicitRules | provision.modifierExtension[0] | provision.provision[0].actor[0].reference | provision.provision[0].actor[1].role"
            + " | provision.provision[0].actor[2].reference | provision.provision[0].action[0] | provision.provision[0].code[1] | provision.provision[0].data[0].reference",
            Paths(mapping));
        Assert.All(mapping.Problems, p => Assert.Equal("c1", p.Consent?.Value));
        Assert.Contains("only-on-tuesdays", mapping.Problems[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_patient_must_be_a_known_patient_by_relative_reference()
    {
        var unknown = Map(FhirJson.Consent("c1", "p9", FhirJson.BlanketPermit));
        var absolute = Map(FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit).Replace("\"Patient/p1\"", "\"http://x.example/fhir/Patient/p1\"", StringComparison.Ordinal));

        Assert.Equal("patient: refers to a patient who has no records here", $"{unknown.Problems.Single().Path}: {unknown.Problems.Single().Message}");
        Assert.Equal("patient", absolute.Problems.Single().Path);
    }

    [Fact]
    public void The_id_it_is_written_under_wins_and_a_different_resource_id_is_a_problem()
    {
        var withoutId = Map(FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit).Replace("\"id\":\"c1\",", "", StringComparison.Ordinal), "c7");
        var mismatch = Map(FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit), "c7");

        Assert.True(withoutId.IsValid);
        Assert.Equal("c7", withoutId.Directive!.Id.Value);
        Assert.Equal(("id", "c7"), (mismatch.Problems.Single().Path, mismatch.Problems.Single().Consent?.Value));
    }

    [Fact]
    public void Input_that_is_not_a_consent_is_reported()
    {
        Assert.Equal("Consent", Map("{not json").Problems.Single().Path);
        Assert.Equal("Consent", Map("").Problems.Single().Path);
        Assert.Equal("resourceType", Map(FhirJson.Patient("p1", "1980-01-01")).Problems.Single().Path);
        var unknownElement = Map(FhirJson.Consent("c1", "p1", """{"type":"permit","colour":"blue"}"""));
        Assert.Null(unknownElement.Directive);
        Assert.NotEmpty(unknownElement.Problems);
        var badCode = Map(FhirJson.Consent("c1", "p1", """{"type":"maybe"}"""));
        Assert.False(badCode.IsValid);
    }

    [Fact]
    public void A_malformed_date_and_several_scopes_are_reported_at_their_paths()
    {
        var badDate = Map(FhirJson.Consent("c1", "p1", """{"type":"permit","dataPeriod":{"start":"2026-02-30"}}"""));
        var twoScopes = Map(FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit)
            .Replace("\"code\":\"patient-privacy\"}", "\"code\":\"patient-privacy\"},{\"system\":\"http://terminology.hl7.org/CodeSystem/consentscope\",\"code\":\"research\"}", StringComparison.Ordinal));
        var pocoDate = _mapper.Map(new FhirConsent
        {
            Id = "c2",
            DateTime = "2026-13-01",
            Provision = new FhirConsent.provisionComponent { Period = new Hl7.Fhir.Model.Period { Start = "yesterday" } },
        });

        Assert.Equal("provision.dataPeriod.start", Paths(badDate));
        Assert.Equal("scope", Paths(twoScopes));
        Assert.Contains("patient-privacy, research", twoScopes.Problems[0].Message, StringComparison.Ordinal);
        Assert.Equal("dateTime | provision.period", Paths(pocoDate));
    }

    [Fact]
    public void Problems_the_engine_finds_are_reported_when_the_directive_is_compiled()
    {
        var consent = new FhirConsent
        {
            Id = "c1",
            Status = FhirConsent.ConsentState.Active,
            Scope = new Hl7.Fhir.Model.CodeableConcept(CodeSystems.ConsentScope, "patient-privacy"),
            Patient = new Hl7.Fhir.Model.ResourceReference("Patient/p1"),
            Provision = new FhirConsent.provisionComponent
            {
                Type = FhirConsent.ConsentProvisionType.Permit,
                SecurityLabel = [new Hl7.Fhir.Model.Coding(null, "PSY")],
            },
        };
        var withoutProvision = new FhirConsent { Id = "c2", Status = FhirConsent.ConsentState.Active };

        var mapping = _mapper.Map(consent);
        var bare = _mapper.Map(withoutProvision);

        Assert.Empty(mapping.Problems);
        var error = Assert.Throws<ConsentValidationException>(() => CompiledConsentSet.Compile(P1, [mapping.Directive!, bare.Directive!]));
        Assert.Equal(
            ["c1 provision.securityLabel[0]", "c2 patient", "c2 provision", "c2 scope"],
            error.Problems.Select(p => $"{p.Consent} {p.Path}").Order(StringComparer.Ordinal));
    }
}
