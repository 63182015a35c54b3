using CareLedger.Consent.Decisions;
using CareLedger.Consent.Model;
using CareLedger.Consent.Profiles;
using CareLedger.Consent.Requests;
using CareLedger.Consent.Tests.Fixtures;
using CareLedger.Consent.Vocabulary;
using static CareLedger.Consent.Tests.Fixtures.Given;
using Labels = CareLedger.Consent.Vocabulary.SecurityLabels;
using Purposes = CareLedger.Consent.Vocabulary.PurposesOfUse;
using Reason = CareLedger.Consent.Decisions.ReasonCode;

namespace CareLedger.Consent.Tests.Tables;

/// <summary>The table of consent decisions. docs/consent.md explains the rules these rows pin down.</summary>
internal static class DecisionTable
{
    private static readonly DecisionEffect Permit_ = DecisionEffect.Permit;
    private static readonly DecisionEffect Deny_ = DecisionEffect.Deny;
    private static readonly DecisionEffect BreakGlass_ = DecisionEffect.BreakGlassPermit;

    private static readonly DateTimeOffset Jan1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Mar1 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Opt-in pattern: deny everything, except hospital A.</summary>
    private static readonly ConsentDirective OptInHospitalA =
        Privacy("c-optin", Deny(Permit() with { Actors = [Actor("Organization/hosp-a")] }));

    /// <summary>Opt-out pattern: permit everything, except psychiatric records.</summary>
    private static readonly ConsentDirective OptOutOfPsychiatry =
        Privacy("c-optout", Permit(Deny() with { SecurityLabels = [Labels.Psychiatry] }));

    /// <summary>Three levels of exceptions: deny; permit hospital A; deny psychiatry; permit Dr A (the psychiatrist).</summary>
    private static readonly ConsentDirective Nested = Privacy("c-nested", Deny(
        Permit(
            Deny(
                Permit() with { Actors = [Actor("Practitioner/dr-a")] }) with
            { SecurityLabels = [Labels.Psychiatry] }) with
        { Actors = [Actor("Organization/hosp-a")] }));

    private static readonly ConsentDirective RefusesEmergencyAccess = Privacy("c-no-etreat", Deny(
        Permit() with { Actors = [Actor("Organization/hosp-a")] },
        Deny() with { Purposes = [Purposes.EmergencyTreatment] }));

    private static ConsentDirective PermitOnly(string id, ProvisionNode exception) => Privacy(id, Deny(exception));

    private static ConsentDirective DenyOnly(string id, ProvisionNode exception) => Privacy(id, Permit(exception));

    private static DecisionCase Case(string name, ConsentDirective[] consents, AccessRequest request, DecisionEffect effect, Reason deciding) =>
        new(name, consents, request, effect, deciding);

    public static IReadOnlyList<DecisionCase> All { get; } =
    [
        // Jurisdiction defaults when no consent decides.
        Case("opt-in profile denies without consent", [], Read, Deny_, Reason.ProfileDefaultDenies),
        Case("opt-out profile permits treatment by the care team", [], Read, Permit_, Reason.ProfileDefaultPermits)
            with { Profile = JurisdictionProfile.OptOutForTreatment },
        Case("opt-out profile denies a doctor outside the care team", [], Read.By(DoctorB), Deny_, Reason.ProfileDefaultDenies)
            with { Profile = JurisdictionProfile.OptOutForTreatment },
        Case("opt-out profile denies research without consent", [], Read.For(Purposes.HealthcareResearch), Deny_, Reason.ProfileDefaultDenies)
            with { Profile = JurisdictionProfile.OptOutForTreatment },
        Case("opt-out profile keeps substance-use records for explicit consent", [], Read.Labelled(Labels.SubstanceUse), Deny_, Reason.ProfileDefaultDenies)
            with { Profile = JurisdictionProfile.OptOutForTreatment },
        Case("opt-out profile yields to a patient who opted out", [Privacy("c-out", Deny())], Read, Deny_, Reason.ProvisionDenies)
            with { Profile = JurisdictionProfile.OptOutForTreatment, DecidingConsent = "c-out", DecidingPath = "provision" },
        Case("opt-in profile yields to a blanket permit", [Privacy("c-in", Permit())], Read, Permit_, Reason.ProvisionPermits)
            with { DecidingPath = "provision" },

        // Actor: reference (own, organisation, group) or role; both must match when both are given.
        Case("actor organisation permits its doctor", [OptInHospitalA], Read, Permit_, Reason.ProvisionPermits)
            with { DecidingConsent = "c-optin", DecidingPath = "provision.provision[0]" },
        Case("actor organisation does not cover another organisation", [OptInHospitalA], Read.By(DoctorB), Deny_, Reason.ProvisionDenies)
            with { DecidingPath = "provision" },
        Case("actor practitioner reference permits that practitioner",
            [PermitOnly("c", Permit() with { Actors = [Actor("Practitioner/dr-b")] })], Read.By(DoctorB), Permit_, Reason.ProvisionPermits)
            with { DecidingPath = "provision.provision[0]" },
        Case("actor role permits anyone holding it",
            [PermitOnly("c", Permit() with { Actors = [ActorRole(ResearcherRole)] })], Read.By(Researcher), Permit_, Reason.ProvisionPermits)
            with { DecidingPath = "provision.provision[0]" },
        Case("actor role and reference must both match",
            [PermitOnly("c", Permit() with { Actors = [new ProvisionActor(ResearcherRole, "Organization/hosp-a")] })], Read, Deny_, Reason.ProvisionDenies)
            with { DecidingPath = "provision" },
        Case("actor care team permits its members",
            [PermitOnly("c", Permit() with { Actors = [Actor("CareTeam/ct-1")] })], Read, Permit_, Reason.ProvisionPermits)
            with { DecidingPath = "provision.provision[0]" },
        Case("any listed actor suffices",
            [PermitOnly("c", Permit() with { Actors = [Actor("Organization/hosp-z"), Actor("Practitioner/dr-a")] })], Read, Permit_, Reason.ProvisionPermits),

        // Action.
        Case("action access permits a read",
            [PermitOnly("c", Permit() with { Actions = [ConsentActions.Access] })], Read, Permit_, Reason.ProvisionPermits),
        Case("action access does not permit a disclosure",
            [PermitOnly("c", Permit() with { Actions = [ConsentActions.Access] })], Read.Doing(ConsentActions.Disclose), Deny_, Reason.ProvisionDenies),

        // Purpose of use.
        Case("purpose TREAT permits treatment",
            [PermitOnly("c", Permit() with { Purposes = [Purposes.Treatment] })], Read, Permit_, Reason.ProvisionPermits),
        Case("purpose TREAT does not permit research",
            [PermitOnly("c", Permit() with { Purposes = [Purposes.Treatment] })], Read.For(Purposes.HealthcareResearch), Deny_, Reason.ProvisionDenies)
            with { DecidingPath = "provision" },

        // Class: resource type or another class code.
        Case("class Observation permits observations",
            [PermitOnly("c", Permit() with { Classes = [Observation] })], Read, Permit_, Reason.ProvisionPermits),
        Case("class Observation does not permit medication requests",
            [PermitOnly("c", Permit() with { Classes = [Observation] })], Read.OfType("MedicationRequest"), Deny_, Reason.ProvisionDenies),
        Case("class profile matches a resource of that profile",
            [PermitOnly("c", Permit() with { Classes = [LabProfile] })], Read.On(r => r with { Classes = [LabProfile] }), Permit_, Reason.ProvisionPermits),

        // Code, with unknown codes resolved toward denial.
        Case("code deny matches a resource with that code",
            [DenyOnly("c", Deny() with { Codes = [HivTest] })], Read.On(r => r with { Codes = [HivTest] }), Deny_, Reason.ProvisionDenies)
            with { DecidingPath = "provision.provision[0]" },
        Case("code deny does not match other codes",
            [DenyOnly("c", Deny() with { Codes = [HivTest] })], Read, Permit_, Reason.ProvisionPermits)
            with { DecidingPath = "provision" },
        Case("code deny matches when the codes are unknown",
            [DenyOnly("c", Deny() with { Codes = [HivTest] })], Read.On(r => r with { Codes = null }), Deny_, Reason.ProvisionDenies)
            with { DecidingPath = "provision.provision[0]" },
        Case("code permit does not match when the codes are unknown",
            [PermitOnly("c", Permit() with { Codes = [HeartRate] })], Read.On(r => r with { Codes = null }), Deny_, Reason.ProvisionDenies)
            with { DecidingPath = "provision" },

        // Security labels.
        Case("opt-out of psychiatry denies a psychiatric record", [OptOutOfPsychiatry], Read.Labelled(Labels.Psychiatry), Deny_, Reason.ProvisionDenies)
            with { DecidingPath = "provision.provision[0]" },
        Case("opt-out of psychiatry permits other records", [OptOutOfPsychiatry], Read.Labelled(Labels.Normal), Permit_, Reason.ProvisionPermits)
            with { DecidingPath = "provision" },
        Case("any listed label suffices",
            [DenyOnly("c", Deny() with { SecurityLabels = [Labels.Hiv, Labels.Psychiatry] })], Read.Labelled(Labels.Normal, Labels.Psychiatry), Deny_, Reason.ProvisionDenies),

        // Consent period: start inclusive, end exclusive.
        Case("consent period includes its start",
            [Privacy("c", Permit() with { Period = new Period(Now, null) })], Read, Permit_, Reason.ProvisionPermits),
        Case("consent period excludes its end",
            [Privacy("c", Permit() with { Period = new Period(Jan1, Now) })], Read, Deny_, Reason.ProfileDefaultDenies)
            with { AlsoReasons = [Reason.ConsentEnded] },
        Case("consent period not yet started",
            [Privacy("c", Permit() with { Period = new Period(Now.AddTicks(1), null) })], Read, Deny_, Reason.ProfileDefaultDenies)
            with { AlsoReasons = [Reason.ConsentNotYetInForce] },
        Case("nested provision period ended",
            [PermitOnly("c", Permit() with { Period = new Period(Jan1, Now) })], Read, Deny_, Reason.ProvisionDenies)
            with { DecidingPath = "provision" },
        Case("nested provision period in force",
            [PermitOnly("c", Permit() with { Period = new Period(Jan1, Now.AddTicks(1)) })], Read, Permit_, Reason.ProvisionPermits)
            with { DecidingPath = "provision.provision[0]" },

        // Data period: start inclusive, end exclusive; unknown data time resolved toward denial.
        Case("data period includes its start",
            [PermitOnly("c", Permit() with { DataPeriod = new Period(Mar1, null) })], Read, Permit_, Reason.ProvisionPermits),
        Case("data period excludes its end",
            [PermitOnly("c", Permit() with { DataPeriod = new Period(Jan1, Mar1) })], Read, Deny_, Reason.ProvisionDenies),
        Case("data period permit does not match unknown data time",
            [PermitOnly("c", Permit() with { DataPeriod = new Period(Jan1, null) })], Read.On(r => r with { DataTime = null }), Deny_, Reason.ProvisionDenies),
        Case("data period deny matches unknown data time",
            [DenyOnly("c", Deny() with { DataPeriod = new Period(Jan1, Mar1) })], Read.On(r => r with { DataTime = null }), Deny_, Reason.ProvisionDenies)
            with { DecidingPath = "provision.provision[0]" },

        // Data references and their meanings.
        Case("data instance permits that resource",
            [PermitOnly("c", Permit() with { Data = [new DataReference(DataMeaning.Instance, "Observation/obs-1")] })], Read, Permit_, Reason.ProvisionPermits),
        Case("data instance does not permit another resource",
            [PermitOnly("c", Permit() with { Data = [new DataReference(DataMeaning.Instance, "Observation/obs-2")] })], Read, Deny_, Reason.ProvisionDenies),
        Case("data related permits what the referenced resource refers to",
            [PermitOnly("c", Permit() with { Data = [new DataReference(DataMeaning.Related, "DiagnosticReport/dr-1")] })],
            Read.On(r => r with { ReferencedBy = ["DiagnosticReport/dr-1"] }), Permit_, Reason.ProvisionPermits),
        Case("data dependents permits what refers to the referenced resource",
            [PermitOnly("c", Permit() with { Data = [new DataReference(DataMeaning.Dependents, "Encounter/enc-9")] })], Read, Permit_, Reason.ProvisionPermits),
        Case("data dependents does not permit the other direction",
            [PermitOnly("c", Permit() with { Data = [new DataReference(DataMeaning.Dependents, "Encounter/enc-9")] })],
            Read.On(r => r with { References = [], ReferencedBy = ["Encounter/enc-9"] }), Deny_, Reason.ProvisionDenies),
        Case("data authoredby permits what that author wrote",
            [PermitOnly("c", Permit() with { Data = [new DataReference(DataMeaning.AuthoredBy, "Practitioner/dr-z")] })], Read, Permit_, Reason.ProvisionPermits),
        Case("data deny matches when the resource is unknown",
            [DenyOnly("c", Deny() with { Data = [new DataReference(DataMeaning.Instance, "Observation/obs-7")] })],
            Read.On(r => r with { Reference = null }), Deny_, Reason.ProvisionDenies)
            with { DecidingPath = "provision.provision[0]" },

        // Nesting to depth three: the deepest matching exception decides.
        Case("nested depth 1 permits hospital A", [Nested], Read.By(DoctorC), Permit_, Reason.ProvisionPermits)
            with { DecidingPath = "provision.provision[0]" },
        Case("nested depth 2 denies psychiatry at hospital A", [Nested], Read.By(DoctorC).Labelled(Labels.Psychiatry), Deny_, Reason.ProvisionDenies)
            with { DecidingPath = "provision.provision[0].provision[0]" },
        Case("nested depth 3 permits psychiatry to Dr A", [Nested], Read.Labelled(Labels.Psychiatry), Permit_, Reason.ProvisionPermits)
            with { DecidingPath = "provision.provision[0].provision[0].provision[0]" },
        Case("nested depth 0 denies another hospital", [Nested], Read.By(DoctorB).Labelled(Labels.Psychiatry), Deny_, Reason.ProvisionDenies)
            with { DecidingPath = "provision" },

        // Conflicts: more specific wins; at equal specificity deny wins.
        Case("sibling deny beats sibling permit at equal specificity",
            [Privacy("c", Deny(Permit() with { Actors = [Actor("Organization/hosp-a")] }, Deny() with { Purposes = [Purposes.HealthcareResearch] }))],
            Read.For(Purposes.HealthcareResearch), Deny_, Reason.ProvisionDenies)
            with { DecidingPath = "provision.provision[1]" },
        Case("more specific sibling permit beats a less specific deny",
            [Privacy("c", Deny(
                Permit(Permit() with { Classes = [Observation] }) with { Actors = [Actor("Organization/hosp-a")] },
                Deny() with { SecurityLabels = [Labels.Hiv] }))],
            Read.Labelled(Labels.Hiv), Permit_, Reason.ProvisionPermits)
            with { DecidingPath = "provision.provision[0].provision[0]" },
        Case("explicit deny in one consent beats a permit in another at equal specificity",
            [OptInHospitalA, Privacy("c-no-research", Deny() with { Purposes = [Purposes.HealthcareResearch] })],
            Read.For(Purposes.HealthcareResearch), Deny_, Reason.ProvisionDenies)
            with { DecidingConsent = "c-no-research", AlsoReasons = [Reason.ProvisionPermits] },
        Case("specific permit in one consent beats a blanket deny in another",
            [OptInHospitalA, Privacy("c-blanket", Deny())], Read, Permit_, Reason.ProvisionPermits)
            with { DecidingConsent = "c-optin" },
        Case("blanket deny beats blanket permit",
            [Privacy("c-1", Permit()), Privacy("c-2", Deny())], Read, Deny_, Reason.ProvisionDenies)
            with { DecidingConsent = "c-2" },
        Case("consent whose base provision does not match leaves the decision to others",
            [Privacy("c-b", Permit() with { Actors = [Actor("Organization/hosp-b")] })], Read, Deny_, Reason.ProfileDefaultDenies)
            with { AlsoReasons = [Reason.ConsentDoesNotCover] },

        // Revocation and status: only active consents apply.
        Case("revoked consent no longer permits",
            [Privacy("c", Permit(), ConsentStatus.Inactive)], Read, Deny_, Reason.ProfileDefaultDenies)
            with { AlsoReasons = [Reason.ConsentNotActive] },
        Case("consent entered in error does not apply",
            [Privacy("c", Permit(), ConsentStatus.EnteredInError)], Read, Deny_, Reason.ProfileDefaultDenies)
            with { AlsoReasons = [Reason.ConsentNotActive] },
        Case("rejected consent does not apply",
            [Privacy("c", Permit(), ConsentStatus.Rejected)], Read, Deny_, Reason.ProfileDefaultDenies)
            with { AlsoReasons = [Reason.ConsentNotActive] },
        Case("draft consent does not apply",
            [Privacy("c", Permit(), ConsentStatus.Draft)], Read, Deny_, Reason.ProfileDefaultDenies)
            with { AlsoReasons = [Reason.ConsentNotActive] },
        Case("revoked opt-out returns to the opt-out default",
            [Privacy("c", Deny(), ConsentStatus.Inactive)], Read, Permit_, Reason.ProfileDefaultPermits)
            with { Profile = JurisdictionProfile.OptOutForTreatment, AlsoReasons = [Reason.ConsentNotActive] },

        // Scope: research consents govern research purposes; treatment consents govern no data access.
        Case("research consent permits research",
            [Research("c-r", Deny(Permit() with { Purposes = [Purposes.HealthcareResearch] }))], Read.By(Researcher).For(Purposes.HealthcareResearch),
            Permit_, Reason.ProvisionPermits) with { DecidingConsent = "c-r" },
        Case("research consent covers clinical trial research",
            [Research("c-r", Permit())], Read.By(Researcher).For(Purposes.ClinicalTrialResearch), Permit_, Reason.ProvisionPermits),
        Case("research consent does not govern treatment",
            [Research("c-r", Permit())], Read, Deny_, Reason.ProfileDefaultDenies)
            with { AlsoReasons = [Reason.ConsentScopeNotApplicable] },
        Case("treatment consent does not govern data access",
            [new ConsentDirective(new ConsentId("c-t"), Patient, ConsentStatus.Active, ConsentScopes.Treatment, Permit())], Read, Deny_, Reason.ProfileDefaultDenies)
            with { AlsoReasons = [Reason.ConsentScopeNotApplicable] },

        // Break-glass.
        Case("break-glass overrides a deny", [], Read.By(DoctorB).WithBreakGlass(ValidBreakGlass), BreakGlass_, Reason.BreakGlassGranted)
            with { Obligations = [ObligationCode.NotifyPatient, ObligationCode.NotifyPrivacyOfficer, ObligationCode.EndAccessAt] },
        Case("break-glass may last exactly the maximum", [], Read.WithBreakGlass(ValidBreakGlass with { ExpiresAt = Now.AddHours(24) }), BreakGlass_, Reason.BreakGlassGranted)
            with { Obligations = [ObligationCode.NotifyPatient, ObligationCode.NotifyPrivacyOfficer, ObligationCode.EndAccessAt] },
        Case("break-glass without a credential is refused", [], Read.WithBreakGlass(ValidBreakGlass with { CredentialValid = false }), Deny_, Reason.ProfileDefaultDenies)
            with { AlsoReasons = [Reason.BreakGlassNoCredential] },
        Case("break-glass without a reason is refused", [], Read.WithBreakGlass(ValidBreakGlass with { Reason = "  " }), Deny_, Reason.ProfileDefaultDenies)
            with { AlsoReasons = [Reason.BreakGlassNoReason] },
        Case("break-glass expiring now is refused", [], Read.WithBreakGlass(ValidBreakGlass with { ExpiresAt = Now }), Deny_, Reason.ProfileDefaultDenies)
            with { AlsoReasons = [Reason.BreakGlassExpired] },
        Case("break-glass longer than the maximum is refused", [], Read.WithBreakGlass(ValidBreakGlass with { ExpiresAt = Now.AddHours(24).AddTicks(1) }),
            Deny_, Reason.ProfileDefaultDenies) with { AlsoReasons = [Reason.BreakGlassTooLong] },
        Case("break-glass for a purpose other than ETREAT is refused", [], Read.WithBreakGlass(ValidBreakGlass).For(Purposes.Treatment), Deny_, Reason.ProfileDefaultDenies)
            with { AlsoReasons = [Reason.BreakGlassWrongPurpose] },
        Case("break-glass lists every failed condition", [], Read.WithBreakGlass(new BreakGlassFacts(false, "", Now.AddHours(-1))), Deny_, Reason.ProfileDefaultDenies)
            with { AlsoReasons = [Reason.BreakGlassNoCredential, Reason.BreakGlassNoReason, Reason.BreakGlassExpired] },
        Case("break-glass is refused where the profile forbids it", [], Read.WithBreakGlass(ValidBreakGlass), Deny_, Reason.ProfileDefaultDenies)
            with
            {
                Profile = JurisdictionProfile.OptIn with { BreakGlass = BreakGlassPolicy.Default with { Enabled = false } },
                AlsoReasons = [Reason.BreakGlassDisabled],
            },
        Case("break-glass is refused when the patient explicitly denied ETREAT", [RefusesEmergencyAccess], Read.By(DoctorB).WithBreakGlass(ValidBreakGlass),
            Deny_, Reason.BreakGlassRefusedByPatient) with { DecidingConsent = "c-no-etreat", DecidingPath = "provision.provision[1]" },
        Case("break-glass overrides an ETREAT refusal where the profile says so", [RefusesEmergencyAccess], Read.By(DoctorB).WithBreakGlass(ValidBreakGlass),
            BreakGlass_, Reason.BreakGlassGranted)
            with
            {
                Profile = JurisdictionProfile.OptIn with { BreakGlass = BreakGlassPolicy.Default with { PatientRefusalHonoured = false } },
                Obligations = [ObligationCode.NotifyPatient, ObligationCode.NotifyPrivacyOfficer, ObligationCode.EndAccessAt],
            },
        Case("break-glass is not needed when consent permits", [Privacy("c", Permit())], Read.WithBreakGlass(ValidBreakGlass), Permit_, Reason.ProvisionPermits)
            with { AlsoReasons = [Reason.BreakGlassNotNeeded] },

        // Delegation: within scope the delegate stands in for the patient.
        Case("caregiver within scope reads", [OptInHospitalA], Read.AsDelegate(Carer, DelegateKind.Caregiver, ReadObservations, minor: false),
            Permit_, Reason.DelegateWithinScope),
        Case("caregiver may not disclose outside scope", [], Read.AsDelegate(Carer, DelegateKind.Caregiver, ReadObservations, minor: false)
            .Doing(ConsentActions.Disclose), Deny_, Reason.DelegateOutsideScope),
        Case("caregiver may not read other classes", [], Read.AsDelegate(Carer, DelegateKind.Caregiver, ReadObservations, minor: false)
            .OfType("Condition"), Deny_, Reason.DelegateOutsideScope),
        Case("caregiver after the delegation ended", [], Read.AsDelegate(Carer, DelegateKind.Caregiver, ReadObservations, minor: false)
            .At(Now.AddYears(1)), Deny_, Reason.DelegateOutsideScope),
        Case("caregiver named in a deny is denied",
            [DenyOnly("c", Deny() with { Actors = [Actor("RelatedPerson/carer-1")] })],
            Read.AsDelegate(Carer, DelegateKind.Caregiver, ReadObservations, minor: false), Deny_, Reason.ProvisionDenies)
            with { DecidingPath = "provision.provision[0]" },
        Case("guardian of a minor is refused a psychiatric record", [], Read.AsDelegate(Parent, DelegateKind.Guardian, ReadObservations, minor: true)
            .Labelled(Labels.Psychiatry), Deny_, Reason.WithheldFromGuardian),
        Case("guardian of a minor is refused a restricted record", [], Read.AsDelegate(Parent, DelegateKind.Guardian, ReadObservations, minor: true)
            .Labelled(Labels.Restricted), Deny_, Reason.WithheldFromGuardian),
        Case("guardian of a minor reads other records with a withholding obligation", [],
            Read.AsDelegate(Parent, DelegateKind.Guardian, ReadObservations, minor: true).Labelled(Labels.Normal), Permit_, Reason.DelegateWithinScope)
            with { Obligations = [ObligationCode.WithholdLabels] },
        Case("guardian of an adult is not restricted by minors' categories", [],
            Read.AsDelegate(Parent, DelegateKind.Guardian, ReadObservations, minor: false).Labelled(Labels.Psychiatry), Permit_, Reason.DelegateWithinScope),
        Case("minor's categories are withheld even when a consent permits the guardian",
            [PermitOnly("c", Permit() with { Actors = [ActorRole(DelegateRoles.Guardian)] })],
            Read.AsDelegate(Parent, DelegateKind.Guardian, ReadObservations, minor: true).Labelled(Labels.Hiv), Deny_, Reason.WithheldFromGuardian),
    ];
}
