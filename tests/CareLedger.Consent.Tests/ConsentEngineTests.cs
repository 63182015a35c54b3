using CareLedger.Consent.Compilation;
using CareLedger.Consent.Decisions;
using CareLedger.Consent.Evaluation;
using CareLedger.Consent.Model;
using CareLedger.Consent.Profiles;
using CareLedger.Consent.Requests;
using CareLedger.Consent.Tests.Fixtures;
using CareLedger.Consent.Tests.Tables;
using CareLedger.Consent.Vocabulary;
using static CareLedger.Consent.Tests.Fixtures.Given;

namespace CareLedger.Consent.Tests;

public sealed class ConsentEngineTests
{
    public static TheoryData<string> CaseNames()
    {
        var names = new TheoryData<string>();
        foreach (var row in DecisionTable.All)
        {
            names.Add(row.Name);
        }

        return names;
    }

    [Fact]
    public void Table_rows_have_unique_names() =>
        Assert.Equal(DecisionTable.All.Count, DecisionTable.All.Select(row => row.Name).Distinct().Count());

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Decision_matches_the_table(string name)
    {
        var row = DecisionTable.All.Single(candidate => candidate.Name == name);

        var decision = Decide(row);

        Assert.Equal(row.Effect, decision.Effect);
        Assert.Equal(row.Deciding, decision.DecidingReason.Code);
        Assert.Contains(decision.DecidingReason, decision.Reasons);
        if (row.DecidingConsent is not null)
        {
            Assert.Equal(row.DecidingConsent, decision.DecidingReason.Consent?.Value);
        }

        if (row.DecidingPath is not null)
        {
            Assert.Equal(row.DecidingPath, decision.DecidingReason.ProvisionPath);
        }

        foreach (var code in row.AlsoReasons)
        {
            Assert.Contains(decision.Reasons, reason => reason.Code == code);
        }

        Assert.Equal(row.Obligations, decision.Obligations.Select(obligation => obligation.Code));
    }

    [Fact]
    public void Every_consent_of_the_patient_is_accounted_for_in_the_reasons()
    {
        var consents = new[]
        {
            Privacy("c-1", Permit(), ConsentStatus.Inactive),
            Privacy("c-2", Permit() with { Period = new Period(null, Now) }),
            Privacy("c-3", Permit() with { Actors = [Actor("Organization/hosp-z")] }),
            Privacy("c-4", Deny(Permit() with { Actors = [Actor("Organization/hosp-a")] })),
        };

        var decision = Decide(JurisdictionProfile.OptIn, consents, Read);

        Assert.Equal(
            [ReasonCode.ConsentNotActive, ReasonCode.ConsentEnded, ReasonCode.ConsentDoesNotCover, ReasonCode.ProvisionPermits],
            decision.Reasons.Select(reason => reason.Code));
        Assert.Equal(["c-1", "c-2", "c-3", "c-4"], decision.Reasons.Select(reason => reason.Consent?.Value));
        Assert.Equal(ProvisionDimensions.Actor, decision.Reasons[2].Dimensions);
        Assert.Equal(ProvisionDimensions.Actor, decision.Reasons[3].Dimensions);
        Assert.Equal(
            "Consent c-4 provision.provision[0] permits: it matches on actor (specificity 1).",
            decision.DecidingReason.Message);
    }

    [Fact]
    public void Revoked_consent_denies_the_next_read()
    {
        var engine = new ConsentEngine(JurisdictionProfile.OptIn);
        var granted = Privacy("c-grant", Deny(Permit() with { Actors = [Actor("Organization/hosp-a")] }));

        var before = engine.Decide(CompiledConsentSet.Compile(Patient, [granted]), Read);
        var after = engine.Decide(
            CompiledConsentSet.Compile(Patient, [granted with { Status = ConsentStatus.Inactive }]), Read);

        Assert.Equal(DecisionEffect.Permit, before.Effect);
        Assert.Equal(DecisionEffect.Deny, after.Effect);
        Assert.Contains(after.Reasons, reason => reason.Code == ReasonCode.ConsentNotActive && reason.Consent?.Value == "c-grant");
    }

    [Fact]
    public void Decisions_do_not_depend_on_the_order_of_consents()
    {
        var consents = new[]
        {
            Privacy("c-b", Deny() with { Purposes = [PurposesOfUse.HealthcareResearch] }),
            Privacy("c-a", Deny(Permit() with { Actors = [Actor("Organization/hosp-a")] })),
            Privacy("c-c", Permit() with { Actors = [Actor("Organization/hosp-a")] }),
        };
        var engine = new ConsentEngine(JurisdictionProfile.OptIn);
        var request = Read.For(PurposesOfUse.HealthcareResearch);

        var forward = engine.Decide(CompiledConsentSet.Compile(Patient, consents), request);
        var backward = engine.Decide(CompiledConsentSet.Compile(Patient, consents.Reverse()), request);

        Assert.Equal(forward.Effect, backward.Effect);
        Assert.Equal(forward.Reasons.Select(reason => reason.Message), backward.Reasons.Select(reason => reason.Message));
        Assert.Equal(forward.DecidingReason, backward.DecidingReason);
    }

    [Fact]
    public void Reasons_and_obligations_never_name_the_patient_or_the_requester()
    {
        foreach (var row in DecisionTable.All)
        {
            var decision = Decide(row);
            var texts = decision.Reasons.Select(reason => reason.Message)
                .Concat(decision.Obligations.Select(obligation => obligation.Message));
            foreach (var text in texts)
            {
                Assert.DoesNotContain(Patient.Value, text, StringComparison.Ordinal);
                Assert.DoesNotContain(row.Request.Requester.Reference, text, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Break_glass_obligations_carry_the_expiry()
    {
        var decision = Decide(JurisdictionProfile.OptIn, [], Read.WithBreakGlass(ValidBreakGlass));

        Assert.True(decision.IsBreakGlass);
        Assert.True(decision.IsPermitted);
        Assert.Equal(ValidBreakGlass.ExpiresAt, decision.Obligations.Single(o => o.Code == ObligationCode.EndAccessAt).Until);
    }

    [Fact]
    public void Guardian_obligation_lists_the_profile_labels()
    {
        var request = Read.AsDelegate(Parent, DelegateKind.Guardian, ReadObservations, minor: true);

        var decision = Decide(JurisdictionProfile.OptIn, [], request);

        Assert.Equal(SecurityLabels.MinorsProtectedCategories, decision.Obligations.Single().Labels);
    }

    [Fact]
    public void A_large_vocabulary_is_evaluated_beyond_the_stack_buffer()
    {
        var codes = Enumerable.Range(0, 20_000).Select(i => new Coding("http://loinc.org", $"code-{i}")).ToArray();
        var consent = Privacy("c", Deny(Permit() with { Codes = codes }));
        var request = Read.On(resource => resource with { Codes = [codes[^1]] });

        var decision = Decide(JurisdictionProfile.OptIn, [consent], request);

        Assert.Equal(DecisionEffect.Permit, decision.Effect);
    }

    [Fact]
    public void Request_for_another_patient_is_rejected()
    {
        var engine = new ConsentEngine(JurisdictionProfile.OptIn);

        var error = Assert.Throws<ArgumentException>(() =>
            engine.Decide(CompiledConsentSet.Empty(Patient), Read with { Patient = new PatientId("Patient/p-2") }));

        Assert.Contains("another patient", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Request_both_delegated_and_break_glass_is_rejected()
    {
        var request = Read.AsDelegate(Carer, DelegateKind.Caregiver, ReadObservations, minor: false) with { BreakGlass = ValidBreakGlass };

        var error = Assert.Throws<ArgumentException>(() => Decide(JurisdictionProfile.OptIn, [], request));

        Assert.Contains("both delegated and break-glass", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Request_with_an_incomplete_purpose_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Decide(JurisdictionProfile.OptIn, [], Read.For(new Coding(CodeSystems.ActReason, ""))));

        Assert.Contains("Purpose", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Request_with_an_empty_group_reference_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Decide(JurisdictionProfile.OptIn, [], Read.By(DoctorA with { Groups = [""] })));

        Assert.Contains("Requester.Groups[0]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Profile_without_a_positive_break_glass_duration_is_rejected()
    {
        var profile = JurisdictionProfile.OptIn with { BreakGlass = BreakGlassPolicy.Default with { MaxDuration = TimeSpan.Zero } };

        var error = Assert.Throws<ArgumentException>(() => new ConsentEngine(profile));

        Assert.Contains("positive maximum duration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Profile_with_an_unknown_default_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new ConsentEngine(new JurisdictionProfile("nowhere", NoConsentDefault.Unspecified)));
    }

    private static ConsentDecision Decide(DecisionCase row) => Decide(row.Profile, row.Consents, row.Request);

    private static ConsentDecision Decide(JurisdictionProfile profile, IEnumerable<ConsentDirective> consents, AccessRequest request) =>
        new ConsentEngine(profile).Decide(CompiledConsentSet.Compile(Patient, consents), request);
}
