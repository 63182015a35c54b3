using Hl7.Fhir.Model;

namespace CareLedger.Ai.Data;

// Inside the namespace: an outer namespace (CareLedger.Consent) would otherwise win over a file-level alias.
using Consent = Hl7.Fhir.Model.Consent;

/// <summary>
/// The consents the demo cohort is seeded with, recorded by the custodian as a signed paper form would be. The node's
/// jurisdiction profile is opt-in: without a consent nobody may use a patient's data, so these decide who is in a
/// training set and who may ask for a prediction.
/// </summary>
public static class DemoConsents
{
    private const string ConsentScope = "http://terminology.hl7.org/CodeSystem/consentscope";
    private const string ActReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
    private const string ParticipationType = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
    private const string Policy = "https://careledger.org/policy/demo-consent";

    /// <summary>Every tenth row (1-based 10, 20, 30, ...) declined research use, so the training exclusions are visible.</summary>
    public static bool HasResearchConsent(int row) => row % 10 != 9;

    /// <summary>Rows 5, 15, 25, ... (1-based) gave no treatment consent, so a refused prediction can be shown.</summary>
    public static bool HasTreatmentConsent(int row) => row % 10 != 4;

    /// <summary>Research use of all the patient's data (scope research, purpose HRESCH), by any researcher of the custodian.</summary>
    public static Consent Research(string id, string patientReference, Identifier identifier, DateOnly signedOn) =>
        Create(id, patientReference, identifier, signedOn, "research", "57016-8", actor: null, purpose: "HRESCH");

    /// <summary>Treatment use (purpose TREAT) by the named practitioner: the patient's treatment relationship.</summary>
    public static Consent Treatment(string id, string patientReference, Identifier identifier, DateOnly signedOn, string practitionerReference) =>
        Create(id, patientReference, identifier, signedOn, "patient-privacy", "59284-0", practitionerReference, "TREAT");

    private static Consent Create(string id, string patientReference, Identifier identifier, DateOnly signedOn, string scope, string category, string? actor, string purpose) => new()
    {
        Id = id,
        Identifier = [identifier],
        Status = Consent.ConsentState.Active,
        Scope = new CodeableConcept(ConsentScope, scope),
        Category = [new CodeableConcept(ClinicalCode.Loinc, category)],
        Patient = new ResourceReference(patientReference),
        DateTime = signedOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        Policy = [new Consent.PolicyComponent { Uri = Policy }],
        Provision = new Consent.provisionComponent
        {
            Type = Consent.ConsentProvisionType.Permit,
            Actor = actor is null
                ? []
                : [new Consent.provisionActorComponent { Role = new CodeableConcept(ParticipationType, "IRCP"), Reference = new ResourceReference(actor) }],
            Purpose = [new Coding(ActReason, purpose)],
        },
    };
}
