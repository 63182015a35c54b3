using CareLedger.Access.Credentials;
using CareLedger.Access.Gate;
using CareLedger.Fhir;
using CareLedger.Fhir.Errors;
using CareLedger.Node;
using CareLedger.Tests.Support;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Tests.Access;

/// <summary>
/// The node's consent rules are configurable (issue 4: "configurable jurisdiction profiles, opt-in default; opt-out for
/// treatment where the law allows"): node.json names the jurisdiction and the custodian's Organization, and the door of
/// the node decides by them.
/// </summary>
public sealed class JurisdictionTests
{
    private const string Organisation = "Jurisdiction Hospital";
    private const string Clinician = "Practitioner/jur-dr";
    private static readonly FhirCaller Custodian = FhirCaller.Custodian(Organisation, "jurisdiction-tests");

    [Fact]
    public async Task An_opt_in_node_refuses_treatment_without_consent_and_an_opt_out_node_lets_the_care_team_treat()
    {
        foreach (var (jurisdiction, permitted) in new[] { (NodeConfig.OptIn, false), (NodeConfig.OptOutForTreatment, true) })
        {
            using var directory = new TempDirectory();
            await using var node = await NodeAsync(directory, new NodeConfig { Origin = "careledger.test/jurisdiction", OrganisationName = Organisation, Jurisdiction = jurisdiction });
            var (_, observation) = await PatientWithObservationAsync(node);

            Assert.Equal(permitted, CanRead(node, ClinicianCaller(Organisation), observation));
            // Another organisation's clinician is not this patient's care team: refused either way.
            Assert.False(CanRead(node, ClinicianCaller("Elsewhere Clinic"), observation));
        }
    }

    [Fact]
    public async Task A_consent_naming_the_custodians_organization_covers_its_clinicians()
    {
        using var directory = new TempDirectory();
        await using var node = await NodeAsync(directory, new NodeConfig
        {
            Origin = "careledger.test/jurisdiction",
            OrganisationName = Organisation,
            OrganizationReference = "Organization/jur-hospital",
        });
        await node.Fhir.UpdateAsync(Custodian, "Organization", "jur-hospital", new Organization { Id = "jur-hospital", Name = Organisation }, null, CancellationToken.None);
        var (patient, observation) = await PatientWithObservationAsync(node);
        Assert.False(CanRead(node, ClinicianCaller(Organisation), observation));

        await node.Fhir.CreateAsync(Custodian, new Hl7.Fhir.Model.Consent
        {
            Status = Hl7.Fhir.Model.Consent.ConsentState.Active,
            Scope = new CodeableConcept("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy"),
            Category = [new CodeableConcept("http://loinc.org", "59284-0")],
            Patient = new ResourceReference($"Patient/{patient}"),
            Policy = [new Hl7.Fhir.Model.Consent.PolicyComponent { Uri = "https://careledger.org/policy/test" }],
            Provision = new Hl7.Fhir.Model.Consent.provisionComponent
            {
                Type = Hl7.Fhir.Model.Consent.ConsentProvisionType.Permit,
                Actor = [new Hl7.Fhir.Model.Consent.provisionActorComponent
                {
                    Role = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP"),
                    Reference = new ResourceReference("Organization/jur-hospital"),
                }],
            },
        }, null, CancellationToken.None);

        Assert.True(CanRead(node, ClinicianCaller(Organisation), observation));
        Assert.False(CanRead(node, ClinicianCaller("Elsewhere Clinic"), observation));
    }

    [Theory]
    [InlineData("opt-in-ish", null, "unknown jurisdiction 'opt-in-ish'")]
    [InlineData(NodeConfig.OptIn, "Practitioner/x", "must be Organization/<id>")]
    public void A_node_refuses_access_rules_it_cannot_apply(string jurisdiction, string? organization, string message)
    {
        var config = new NodeConfig { Origin = "careledger.test/jurisdiction", OrganisationName = Organisation, Jurisdiction = jurisdiction, OrganizationReference = organization };

        Assert.Contains(message, Assert.Throws<CliException>(config.GateOptions).Message, StringComparison.Ordinal);
    }

    private static async Task<CareLedgerNode> NodeAsync(TempDirectory directory, NodeConfig config)
    {
        var node = await CareLedgerNode.InitializeAsync(NodePaths.For(directory.Combine("data")), config, CancellationToken.None);
        await node.Fhir.UpdateAsync(Custodian, "Practitioner", "jur-dr", new Practitioner { Id = "jur-dr" }, null, CancellationToken.None);
        var board = await node.Credentials.EnsureIssuerKeyAsync("Jurisdiction board", CancellationToken.None);
        await node.Credentials.IssueAsync(board, Clinician, new PractitionerLicence("J-1", "general practice"), DateTimeOffset.UtcNow.AddYears(1), CancellationToken.None);
        return node;
    }

    private static async Task<(string Patient, string Observation)> PatientWithObservationAsync(CareLedgerNode node)
    {
        var patient = (await node.Fhir.CreateAsync(Custodian, new Patient { BirthDate = "1960-06-06" }, null, CancellationToken.None)).Id;
        return (patient, (await node.Fhir.CreateAsync(Custodian, new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "8867-4"),
            Subject = new ResourceReference($"Patient/{patient}"),
        }, null, CancellationToken.None)).Id);
    }

    private static FhirCaller ClinicianCaller(string organisation) =>
        new(new Accessor($"jur-{organisation}", CareLedgerRole.Clinician, Clinician, organisation, null, AllScopes.Instance), AccessContext.Default);

    private static bool CanRead(CareLedgerNode node, FhirCaller caller, string observation)
    {
        try
        {
            node.Fhir.Read(caller, "Observation", observation);
            return true;
        }
        catch (FhirProblemException e) when (e.Status == 403)
        {
            return false;
        }
    }

    private sealed class AllScopes : IScopeCheck
    {
        public static readonly AllScopes Instance = new();

        public bool Permits(string resourceType, AccessAction action) => true;

        public string RequiredScope(string resourceType, AccessAction action) => $"user/{resourceType}.rs";
    }
}
