using CareLedger.Consent.Compilation;
using CareLedger.Consent.Decisions;
using CareLedger.Consent.Model;
using CareLedger.Consent.Requests;
using CareLedger.Consent.Vocabulary;

namespace CareLedger.Consent.Evaluation;

public sealed partial class ConsentEngine
{
    /// <summary>
    /// A delegate stands in for the patient, within the delegation's scope. Provisions that name something
    /// (specificity 1 or more) bind the delegate as anyone else; blanket provisions (specificity 0) address third
    /// parties and do not. A minor's protected categories are withheld from a guardian whatever the consents say.
    /// </summary>
    private Verdict DecideForDelegate(
        CompiledConsentSet consents,
        AccessRequest request,
        DelegationFacts delegation,
        ConsentEvaluation evaluation,
        List<DecisionReason> reasons)
    {
        var kind = delegation.Kind == DelegateKind.Guardian ? "guardian" : "caregiver";
        var outside = ScopeViolations(delegation.Scope, request);
        if (outside != ProvisionDimensions.None)
        {
            var reason = new DecisionReason(
                ReasonCode.DelegateOutsideScope,
                $"The {kind} acts outside the delegation's scope: it does not allow this {ReasonTexts.Describe(outside)}.")
            { Dimensions = outside };
            reasons.Add(reason);
            return Verdict.Deny(reason);
        }

        var restrictsGuardian = delegation.Kind == DelegateKind.Guardian && delegation.PatientIsMinor;
        if (restrictsGuardian && Withheld(request.Resource.SecurityLabels) is { Count: > 0 } withheld)
        {
            var reason = new DecisionReason(
                ReasonCode.WithheldFromGuardian,
                $"The resource is labelled {ReasonTexts.Describe(withheld)}, a category of a minor's record withheld from guardians.")
            { Dimensions = ProvisionDimensions.SecurityLabel };
            reasons.Add(reason);
            return Verdict.Deny(reason);
        }

        Verdict verdict;
        if (evaluation.Best is { Exists: true, Specificity: > 0 } explicitOutcome)
        {
            verdict = FromConsent(consents, explicitOutcome);
        }
        else
        {
            var reason = new DecisionReason(
                ReasonCode.DelegateWithinScope,
                $"The {kind} acts for the patient within the delegation's scope, and no provision that names something addresses this request.");
            reasons.Add(reason);
            verdict = Verdict.Permit(reason);
        }

        if (verdict.Effect == DecisionEffect.Deny || !restrictsGuardian)
        {
            return verdict;
        }

        var withhold = Profile.WithheldFromGuardiansOfMinors;
        return verdict with
        {
            Obligations =
            [
                new Obligation(
                    ObligationCode.WithholdLabels,
                    $"Withhold from the guardian every resource or part labelled {ReasonTexts.Describe(withhold)}.")
                { Labels = withhold },
            ],
        };
    }

    private static ProvisionDimensions ScopeViolations(DelegationScope scope, AccessRequest request)
    {
        var outside = ProvisionDimensions.None;
        if (!scope.Period.Contains(request.Time))
        {
            outside |= ProvisionDimensions.Period;
        }

        if (scope.Actions.Count > 0 && !scope.Actions.Contains(request.Action))
        {
            outside |= ProvisionDimensions.Action;
        }

        if (scope.Classes.Count > 0
            && !scope.Classes.Contains(ResourceClasses.OfType(request.Resource.ResourceType))
            && !request.Resource.Classes.Any(scope.Classes.Contains))
        {
            outside |= ProvisionDimensions.Class;
        }

        return outside;
    }

    private List<Coding> Withheld(IReadOnlyList<Coding> labels)
    {
        var withheld = new List<Coding>();
        foreach (var label in labels)
        {
            if (Profile.WithheldFromGuardiansOfMinors.Contains(label))
            {
                withheld.Add(label);
            }
        }

        return withheld;
    }
}
