using CareLedger.Access.Credentials;
using CareLedger.Access.Delegation;
using CareLedger.Access.Gate;
using CareLedger.Consent.Requests;
using CareLedger.Consent.Vocabulary;
using CareLedger.Fhir;
using CareLedger.Identity.Accounts;
using CareLedger.Identity.Api;
using CareLedger.Identity.Scopes;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using CareLedger.Identity.Seeding;
using CareLedger.Node;

namespace CareLedger.Cli;

/// <summary>
/// The demo's people: one account per role (docs/identity.md), linked to a synthetic patient and the practitioner who
/// treated them in the imported Synthea data, found by their identifiers (server ids are assigned at import).
/// </summary>
internal static class DemoAccounts
{
    /// <summary>Clemente Kreiger (synthetic): the demo patient behind the account 'alice'.</summary>
    public const string PatientIdentifier = "https://github.com/synthetichealth/synthea|1484a42d-0eaf-4654-9cbf-6b050a5cd73b";

    /// <summary>The practitioner of that patient's encounters: the demo clinician behind 'dr.bob'.</summary>
    public const string PractitionerIdentifier = "http://hl7.org/fhir/sid/us-npi|520";

    /// <param name="OwnKeys">dr.bob's and rita's own keys as the ledger records them.</param>
    public sealed record Seeded(string PatientId, string PractitionerId, DemoSeedResult Result, IReadOnlyList<(string User, KeyRecord Key)> OwnKeys);

    public static async Task<Seeded> SeedAsync(CareLedgerNode node, CancellationToken ct)
    {
        var patientId = FindOne(node, "Patient", PatientIdentifier);
        var practitionerId = FindOne(node, "Practitioner", PractitionerIdentifier);
        await using var store = await IdentityStore.OpenAsync(node.Paths.DataDirectory, ct);
        var result = await IdentitySeeder.SeedDemoAsync(store, IdentitySeeder.DemoAccounts(patientId, practitionerId), ct);
        var bob = await store.FindAsync("dr.bob", ct) ?? throw new CliException("the demo account 'dr.bob' is missing");
        var rita = await store.FindAsync("rita", ct) ?? throw new CliException("the demo account 'rita' is missing");
        // Their own keys, registered on the ledger by the organisation (role practitioner / researcher, pseudonymous labels).
        var bobKey = await node.People.GetOrRegisterOwnAsync(bob.Id, KeyRoles.Practitioner, node.Ledger, ct);
        var ritaKey = await node.People.GetOrRegisterOwnAsync(rita.Id, KeyRoles.Researcher, node.Ledger, ct);
        await LicenceAsync(node, $"Practitioner/{practitionerId}", bobKey.Id, ct);
        var alice = await store.FindAsync("alice", ct) ?? throw new CliException("the demo account 'alice' is missing");
        await ConsentAsync(node, alice.Id, patientId, practitionerId, ct);
        await DelegateAsync(node, patientId, alice.Id, ct);
        return new Seeded(patientId, practitionerId, result,
            [("dr.bob", node.Ledger.State.FindKey(bobKey.Id)!), ("rita", node.Ledger.State.FindKey(ritaKey.Id)!)]);
    }

    /// <summary>
    /// dr.bob may act clinically: the node's licensing board issues his licence (once) on the ledger, naming his own key.
    /// </summary>
    private static async Task LicenceAsync(CareLedgerNode node, string practitioner, Ledger.Crypto.KeyId practitionerKey, CancellationToken ct)
    {
        if (node.Credentials.Check(practitioner, DateTimeOffset.UtcNow).Valid)
        {
            return;
        }

        var board = await node.Credentials.EnsureIssuerKeyAsync(null, ct);
        await node.Credentials.IssueAsync(board, practitioner, practitionerKey, new PractitionerLicence("DEMO-MD-520", "general practice"), DateTimeOffset.UtcNow.AddYears(1), ct);
    }

    /// <summary>
    /// alice permits dr.bob to see her record for treatment: a FHIR Consent she writes herself, so the ledger
    /// transaction is signed with her own (custodial) key. Conditional on its identifier, so a second demo run adds nothing.
    /// </summary>
    private static async Task ConsentAsync(CareLedgerNode node, string aliceSubject, string patientId, string practitionerId, CancellationToken ct)
    {
        var caller = new CallerContext(aliceSubject, CareLedgerRole.Patient, FhirReference.Parse($"Patient/{patientId}"), node.Config.OrganisationName,
            patientId, ScopeSet.Parse("launch/patient patient/*.rs patient/Consent.cruds"), "careledger-demo").ToAccessor();
        var consent = new Hl7.Fhir.Model.Consent
        {
            Identifier = [new Identifier(DemoIdentifierSystem, "alice-permits-dr-bob")],
            Status = Hl7.Fhir.Model.Consent.ConsentState.Active,
            Scope = new CodeableConcept("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy"),
            Category = [new CodeableConcept("http://loinc.org", "59284-0")],
            Patient = new ResourceReference($"Patient/{patientId}"),
            DateTime = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Policy = [new Hl7.Fhir.Model.Consent.PolicyComponent { Uri = "https://careledger.org/policy/demo" }],
            Provision = new Hl7.Fhir.Model.Consent.provisionComponent
            {
                Type = Hl7.Fhir.Model.Consent.ConsentProvisionType.Permit,
                Actor =
                [
                    new Hl7.Fhir.Model.Consent.provisionActorComponent
                    {
                        Role = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP"),
                        Reference = new ResourceReference($"Practitioner/{practitionerId}"),
                    },
                ],
                Purpose = [new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT")],
            },
        };
        await node.Fhir.CreateAsync(new FhirCaller(caller, AccessContext.Default), consent, $"identifier={DemoIdentifierSystem}|alice-permits-dr-bob", ct);
    }

    /// <summary>
    /// grace is alice's guardian by a court order the organisation recorded (full delegation); carl is the caregiver alice
    /// named herself, limited to her immunisations, medications and allergies.
    /// </summary>
    private static async Task DelegateAsync(CareLedgerNode node, string patientId, string aliceSubject, CancellationToken ct)
    {
        var pseudonym = node.Gate.PseudonymOf(patientId) ?? throw new CliException("the demo patient has no records on this node");
        if (node.Delegations.ForPatient(pseudonym).Count > 0)
        {
            return;
        }

        await node.Delegations.GrantAsync(pseudonym, "RelatedPerson/demo-guardian", DelegateKind.Guardian, new DelegationScope(),
            DelegationSource.CourtOrder, node.Ledger.Keys.Node, ct);
        // alice's custodial key: the one her own Consent was signed with.
        var aliceKey = await node.People.GetOrRegisterAsync(aliceSubject, KeyRoles.Patient, pseudonym, node.Ledger, ct);
        await node.Delegations.GrantAsync(pseudonym, "RelatedPerson/demo-caregiver", DelegateKind.Caregiver, new DelegationScope
        {
            Actions = [ConsentActions.Access],
            Classes = [ResourceClasses.OfType("Immunization"), ResourceClasses.OfType("MedicationRequest"), ResourceClasses.OfType("AllergyIntolerance")],
        }, DelegationSource.Patient, aliceKey, ct);
    }

    private const string DemoIdentifierSystem = "urn:careledger:demo";

    private static string FindOne(CareLedgerNode node, string type, string identifier)
    {
        var matches = node.Fhir.FindMatches(type, [new("identifier", identifier)], limit: 2);
        return matches.Count == 1
            ? matches[0].Id
            : throw new CliException($"the demo data should hold exactly one {type} with identifier {identifier}; found {matches.Count}");
    }
}
